#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run-tier2.sh - run a kernel as a PVH guest of real Xen (Debian's Xen 4.17,
# CR2-fixed build) with Debian's Linux as dom0, all inside QEMU TCG, and
# report the guest's verdict. See tools/tier2/README.md.
#
# Usage: tools/run-tier2.sh [options] KERNEL_ELF
#        tools/run-tier2.sh [options] --agent-selftest
#   --vcpus N           guest vCPUs (default 2)
#   --mem MiB           guest memory (default 64)
#   --cmdline "ARGS"    guest command line (default empty; "tests=none"
#                       with --action)
#   --ramdisk FILE      hand the guest an initial ramdisk (xl "ramdisk =";
#                       e.g. to boot a Linux PVH guest as a reference peer)
#   --disk FILE[,OPT...] attach a host file as a guest disk (xvda, xvdb, ...;
#                       raw, behind a volatile write cache, so flushes
#                       matter; repeatable, at most 8). OPT: "ro" (the
#                       guest gets it read-only), "log=LOGFILE" (dom0 puts
#                       dm-log-writes between blkback and the disk, its log
#                       on the host file LOGFILE, complete after the run),
#                       "pattern=SEED" (after the run the host checks that
#                       the whole file holds Xenling's sector pattern of
#                       SEED, tools/blk/patcheck.py: the guest's blktest=
#                       disk with blkseed=SEED; judged with --action
#                       save-restore|migrate|checkpoint|mixed)
#   --transcript FILE   guest transcript (default build/tier2/last-transcript.txt);
#                       the full serial log goes to FILE with .txt replaced
#                       by .serial.log
#   --timeout S         limit from guest creation to its end (default 120;
#                       300 for the --agent-selftest check);
#                       the whole QEMU run is limited to S + 120 s
#   --interactive       --console, and what is typed on stdin goes to the
#                       guest's PV console (for the monitor; make run does
#                       this on a terminal). Lines show when they end.
#   --console           stream the guest's PV console live to stdout, as
#                       `xl console` shows it (the port-0xE9 copy of each
#                       line stays in the serial log)
#   --stock-config      give the guest a new user's xl config: only type,
#                       kernel, extra, memory, vcpus, tsc_mode and the on_*
#                       lines (no maxmem, no max_event_channels); the default
#                       config raises those limits. The run says which.
#   --action shutdown|reboot
#                       once the guest has written 1 to control/feature-
#                       poweroff (or feature-reboot), dom0 runs
#                       `xl shutdown -w` (or `xl reboot -w`) on it; the run
#                       is judged by the domain's shutdown reason, not by
#                       test verdicts (see "Exit status" below)
#   --action destroy --action-when REGEX
#                       dom0 runs `xl destroy` once a guest console line
#                       matches the extended regex (the crash-consistency
#                       test); passes if that happened
#   --action save-restore|migrate|checkpoint|mixed [--cycles N]
#                       N suspend cycles (default 3), each once the guest
#                       writes the cycle's number into data/resume-ready:
#                       `xl save` + `xl restore`, `xl migrate` to the same
#                       dom0, or `xl save -c` (a cancelled suspend); mixed
#                       takes checkpoint, save-restore, migrate in turn.
#                       Judged by the guest's verdict (tests=resume.* with
#                       resume_cycles=N), all N cycles done, and no crash
#   --between-save-restore CMD
#                       with save-restore or mixed: dom0 runs the shell
#                       command CMD after each `xl save`, before its
#                       `xl restore` (e.g. to change blkback's features
#                       for the restored domain: docs/resume.md)
#   --action-limit S    with --action: the domain must be gone within S s
#                       of the request (default 10; xl is killed after 30)
#   --bench DIR         the block benchmark (tools/blk/bench.sh builds DIR):
#                       dom0 runs DIR/bench-dom0.sh, which creates the
#                       guests itself (KERNEL_ELF and a Linux PVH domU) on
#                       the first --disk and on null_blk; its output is the
#                       transcript; --timeout limits the whole benchmark
#   --agent-selftest    boot no guest: dom0 checks its own agent (the
#                       XENLING-DOM0-REQUEST replies, gntpeer against a page
#                       dom0 grants itself), judged like a guest's KTAP
#   --soak ROUNDS       many boots in ONE dom0 session (tools/tier2/soak):
#                       each round boots KERNEL once at every count of
#                       --soak-vcpus "1 2" (default), each followed by the
#                       --control guest; --timeout limits each boot; dom0
#                       starts no round after --soak-budget S (default
#                       1800) s of its uptime. Every boot prints a line
#                       "tier2: soak: boot=N ... result=R ..."; a crashed
#                       domain is dumped (xl dump-core) into the tar
#                       archive --dump-disk FILE (a raw file, >= 256 MiB)
#   --control KERNEL --control-ramdisk FILE [--control-cmdline "ARGS"]
#                       the soak's control guest (128 MiB)
#   --control-every K   boot the control in every K-th round only (default 1)
#
# Environment: XENLING_TIER2_AGENT=reply|none|wrong (how dom0 answers the
# guest's XENLING-DOM0-REQUEST lines; "wrong" and "none" prove a test can
# fail), XENLING_TIER2_INPUT=reply|none|wrong (console input), and the
# debugging aids in tools/tier2/README.md.
#
# Exit status is the GUEST's verdict, never QEMU's:
#   0  the transcript has "XENLING: ALL TESTS PASSED" and a summary line
#      "N passed, 0 failed, M skipped", and the domain powered off;
#      with --action: `xl shutdown -w` (`xl reboot -w`) returned 0 within
#      --action-limit s and the domain ended with reason poweroff (reboot;
#      the config keeps on_reboot = "destroy"), and no console reported a
#      failure; with --agent-selftest: dom0's self-check passed
#   1  the guest failed: "XENLING: TESTS FAILED", a summary with failures,
#      a crash (SHUTDOWN_crash); with --action also: the guest never
#      advertised the feature within --timeout, xl failed or was too slow,
#      or the domain ended with another reason (or before the request)
#   2  no verdict: infrastructure problem, timeout, or a guest that ended
#      without a pass or fail verdict (the message says which)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out="$top/build/tier2"

vcpus=2
mem=64
cmdline=
disks=()
ramdisk=
transcript="$out/last-transcript.txt"
gtimeout=120
console=0
interactive=0
kernel=
cmdline_set=0
timeout_set=0
stock=0
action=none
action_limit=10
action_when=
between=
cycles=3
selftest=0
bench=
soak=0 soak_rounds=0 soak_vcpus="1 2" soak_budget=1800
control='' control_ramdisk='' control_cmdline='' dump_disk='' control_every=1

infra() { echo "tier2: INFRASTRUCTURE ERROR: $*" >&2; exit 2; }
usage() { sed -n '/^# Usage:/,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
    case "$1" in
        --vcpus)      [ $# -ge 2 ] || usage 2; vcpus=$2; shift 2 ;;
        --mem)        [ $# -ge 2 ] || usage 2; mem=$2; shift 2 ;;
        --cmdline)    [ $# -ge 2 ] || usage 2; cmdline=$2; cmdline_set=1; shift 2 ;;
        --disk)       [ $# -ge 2 ] || usage 2; disks+=("$2"); shift 2 ;;
        --ramdisk)    [ $# -ge 2 ] || usage 2; ramdisk=$2; shift 2 ;;
        --transcript) [ $# -ge 2 ] || usage 2; transcript=$2; shift 2 ;;
        --timeout)    [ $# -ge 2 ] || usage 2; gtimeout=$2; timeout_set=1; shift 2 ;;
        --console)    console=1; shift ;;
        --interactive) console=1; interactive=1; shift ;;
        --stock-config) stock=1; shift ;;
        --action)     [ $# -ge 2 ] || usage 2; action=$2; shift 2 ;;
        --action-limit) [ $# -ge 2 ] || usage 2; action_limit=$2; shift 2 ;;
        --action-when) [ $# -ge 2 ] || usage 2; action_when=$2; shift 2 ;;
        --between-save-restore) [ $# -ge 2 ] || usage 2; between=$2; shift 2 ;;
        --cycles)     [ $# -ge 2 ] || usage 2; cycles=$2; shift 2 ;;
        --agent-selftest) selftest=1; shift ;;
        --bench)      [ $# -ge 2 ] || usage 2; bench=$2; shift 2 ;;
        --soak)       [ $# -ge 2 ] || usage 2; soak=1; soak_rounds=$2; shift 2 ;;
        --soak-vcpus) [ $# -ge 2 ] || usage 2; soak_vcpus=$2; shift 2 ;;
        --soak-budget) [ $# -ge 2 ] || usage 2; soak_budget=$2; shift 2 ;;
        --control)    [ $# -ge 2 ] || usage 2; control=$2; shift 2 ;;
        --control-ramdisk) [ $# -ge 2 ] || usage 2; control_ramdisk=$2; shift 2 ;;
        --control-cmdline) [ $# -ge 2 ] || usage 2; control_cmdline=$2; shift 2 ;;
        --dump-disk)  [ $# -ge 2 ] || usage 2; dump_disk=$2; shift 2 ;;
        --control-every) [ $# -ge 2 ] || usage 2; control_every=$2; shift 2 ;;
        -h|--help)    usage 0 ;;
        --)           shift; break ;;
        -*)           echo "tier2: unknown option '$1'" >&2; usage 2 ;;
        *)            [ -z "$kernel" ] || { echo "tier2: more than one kernel given" >&2; usage 2; }
                      kernel=$1; shift ;;
    esac
done
if [ $# -gt 0 ]; then
    [ -z "$kernel" ] && [ $# -eq 1 ] || { echo "tier2: too many arguments" >&2; usage 2; }
    kernel=$1
fi
if [ $selftest = 1 ]; then
    [ -z "$kernel" ] || { echo "tier2: --agent-selftest boots no kernel" >&2; usage 2; }
    [ "$action" = none ] || { echo "tier2: --agent-selftest and --action exclude each other" >&2; usage 2; }
else
    [ -n "$kernel" ] || { echo "tier2: no KERNEL_ELF given" >&2; usage 2; }
fi
case "$action" in
    none|shutdown|reboot) [ -z "$action_when" ] || { echo "tier2: --action-when goes with --action destroy" >&2; usage 2; } ;;
    destroy) [ -n "$action_when" ] || { echo "tier2: --action destroy needs --action-when REGEX" >&2; usage 2; } ;;
    save-restore|migrate|checkpoint|mixed) ;;
    *) echo "tier2: --action must be shutdown, reboot, destroy, save-restore, migrate, checkpoint or mixed, not '$action'" >&2; usage 2 ;;
esac
case "$action_when" in *$'\n'*) infra "--action-when must be one line" ;; esac
if [ $soak = 1 ]; then
    [ $selftest = 0 ] && [ "$action" = none ] && [ ${#disks[@]} = 0 ] && [ -z "$ramdisk" ] || \
        { echo "tier2: --soak excludes --agent-selftest, --action, --disk and --ramdisk" >&2; usage 2; }
    [[ $soak_rounds =~ ^[1-9][0-9]*$ ]] || infra "--soak needs a number of rounds, not '$soak_rounds'"
    [[ $soak_budget =~ ^[1-9][0-9]*$ ]] || infra "--soak-budget must be seconds, not '$soak_budget'"
    [[ $control_every =~ ^[1-9][0-9]*$ ]] || infra "--control-every must be a positive number, not '$control_every'"
    [[ $soak_vcpus =~ ^[1-9][0-9]*( [1-9][0-9]*)*$ ]] || infra "--soak-vcpus must be numbers separated by spaces, not '$soak_vcpus'"
    for f in "$control" "$control_ramdisk" "$dump_disk"; do
        [ -z "$f" ] || [ -r "$f" ] || infra "'$f' not found or unreadable"
    done
    [ -z "$control" ] || [ -n "$control_ramdisk" ] || infra "--control needs --control-ramdisk"
    case "$control_cmdline" in *$'\n'*) infra "--control-cmdline must be one line" ;; esac
elif [ -n "$control$control_ramdisk$dump_disk" ]; then
    infra "--control, --control-ramdisk and --dump-disk go with --soak"
fi
# The self-check makes ~45 requests, each a few process starts in a TCG
# dom0: 2-3 minutes were seen on a heavily loaded host.
[ $selftest = 0 ] || [ $timeout_set = 1 ] || gtimeout=300
[ $interactive = 0 ] || [ $timeout_set = 1 ] || gtimeout=3600
# An action run judges the shutdown reason, not tests: by default the
# guest runs none and idles, waiting for the toolstack.
[ "$action" = none ] || [ $cmdline_set = 1 ] || cmdline="tests=none"

isnum() { case "$1" in ''|*[!0-9]*) return 1 ;; esac; [ "$1" -gt 0 ]; }
isnum "$vcpus" && [ "$vcpus" -le 64 ] || infra "--vcpus must be 1..64, not '$vcpus'"
isnum "$mem" && [ "$mem" -ge 4 ] && [ "$mem" -le 900 ] || \
    infra "--mem must be 4..900 MiB (dom0 has 512 of QEMU's 1536), not '$mem'"
isnum "$gtimeout" || infra "--timeout must be a positive number of seconds, not '$gtimeout'"
case "$cmdline" in *$'\n'*) infra "--cmdline must be one line" ;; esac
[ ${#disks[@]} -le 8 ] || infra "at most 8 --disk files"
isnum "$cycles" || infra "--cycles must be a positive number, not '$cycles'"
isnum "$action_limit" || infra "--action-limit must be a positive number of seconds, not '$action_limit'"
if [ $selftest = 0 ]; then
    [ -f "$kernel" ] && [ -r "$kernel" ] || infra "kernel '$kernel' not found or unreadable"
    magic=$(head -c 4 "$kernel" | od -An -tx1 | tr -d ' \n')
    case "$magic" in
        7f454c46|1f8b*) ;;
        *) infra "kernel '$kernel' is neither an ELF file nor gzip (magic $magic)" ;;
    esac
fi
if [ -n "$bench" ]; then
    [ -r "$bench/bench-dom0.sh" ] || infra "--bench '$bench' has no bench-dom0.sh (tools/blk/bench.sh builds it)"
    [ ${#disks[@]} -ge 1 ] || infra "--bench needs a --disk (the scratch disk)"
    [ "$action" = none ] && [ $selftest = 0 ] || infra "--bench excludes --action and --agent-selftest"
fi
if [ -n "$ramdisk" ]; then
    [ -f "$ramdisk" ] && [ -r "$ramdisk" ] || infra "--ramdisk '$ramdisk' not found or unreadable"
fi
# Each --disk: its file, its options for dom0 (/job/disks), its log file.
disk_files=() disk_opts=() disk_logs=() disk_pats=()
for spec in "${disks[@]}"; do
    f=${spec%%,*} o= l= p=
    rest=${spec#"$f"}
    IFS=, read -r -a words <<<"${rest#,}"
    for w in "${words[@]}"; do
        case "$w" in
            ro)         o="$o $w" ;;
            log=?*)     l=${w#log=}; o="$o log" ;;
            pattern=?*) p=${w#pattern=} ;;
            '')         ;;
            *) infra "--disk '$spec': unknown option '$w' (ro, log=LOGFILE, pattern=SEED)" ;;
        esac
    done
    [ -f "$f" ] && [ -r "$f" ] && [ -w "$f" ] || infra "--disk '$f' must be an existing read-write file"
    if [ -n "$l" ]; then
        [ -f "$l" ] && [ -w "$l" ] || infra "--disk '$spec': the log file '$l' must exist and be writable"
        [ "$(stat -c %s "$l")" -ge 1048576 ] || infra "--disk '$spec': the log file '$l' is under 1 MiB"
    fi
    disk_files+=("$f") disk_opts+=("${o# }") disk_logs+=("$l") disk_pats+=("$p")
done
# How dom0 answers the guest's console input requests (tools/tier2/README.md):
# "reply" (default), or, to prove the guest's test can fail, "none" or
# "wrong" (a wrong token).
case "${XENLING_TIER2_INPUT:-reply}" in
    reply) input=1 ;;
    none)  input=0 ;;
    wrong) input=2 ;;
    *) infra "XENLING_TIER2_INPUT must be reply, none or wrong, not '$XENLING_TIER2_INPUT'" ;;
esac
# How dom0 answers the guest's XENLING-DOM0-REQUEST lines: the same three.
case "${XENLING_TIER2_AGENT:-reply}" in
    reply) agent=1 ;;
    none)  agent=0 ;;
    wrong) agent=2 ;;
    *) infra "XENLING_TIER2_AGENT must be reply, none or wrong, not '$XENLING_TIER2_AGENT'" ;;
esac
for t in qemu-system-x86_64 cpio timeout flock od; do
    command -v "$t" >/dev/null || infra "'$t' not found: run tools/setup.sh"
done

# ---------------------------------------------------------------- inputs --
xen="$top/build/xen/xen.elf"
if [ ! -s "$xen" ]; then
    echo "tier2: build/xen/xen.elf missing, running tools/build-xen.sh"
    "$here/build-xen.sh" || infra "tools/build-xen.sh failed"
fi
"$here/tier2/build-dom0.sh" || infra "tools/tier2/build-dom0.sh failed"
vmlinux="$out/dom0-vmlinux"
dom0initrd="$out/dom0-initrd.cpio.gz"

mkdir -p "$(dirname "$transcript")"
transcript=$(cd "$(dirname "$transcript")" && pwd)/$(basename "$transcript")
serial="${transcript%.txt}.serial.log"
[ "$serial" != "$transcript" ] || serial="$transcript.serial.log"

# At most two QEMUs on this machine at once (tools/lib/qemu-slot.sh).
. "$here/lib/qemu-slot.sh"
. "$here/lib/qemu-mon.sh"
qemu_slot_take || infra "no free QEMU slot"

tmp=$(mktemp -d /tmp/xenling-tier2.XXXXXX)
qstatus=
cleanup() {
    # Stop our QEMU (through its `timeout` wrapper) if we leave early.
    if [ -s "$tmp/qemu.pid" ] && [ -z "${qstatus:-}" ]; then
        kill "$(cat "$tmp/qemu.pid")" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "tier2: interrupted" >&2; exit 2' INT TERM

# The job: a second (uncompressed) cpio appended to the dom0 initramfs.
# Linux unpacks both into its rootfs; an uncompressed archive must start
# at a 4-byte aligned offset, so the gzip part is zero-padded first.
mkdir -p "$tmp/jobroot/job"
[ $selftest = 1 ] || cp "$kernel" "$tmp/jobroot/job/kernel"
[ -z "$ramdisk" ] || cp "$ramdisk" "$tmp/jobroot/job/ramdisk"
[ -z "$bench" ] || cp -r "$bench" "$tmp/jobroot/job/bench"
printf '%s\n' "$cmdline" >"$tmp/jobroot/job/cmdline"
[ ${#disks[@]} = 0 ] || printf '%s\n' "${disk_opts[@]}" >"$tmp/jobroot/job/disks"
[ -z "$action_when" ] || printf '%s\n' "$action_when" >"$tmp/jobroot/job/action_when"
[ -z "$between" ] || printf '%s\n' "$between" >"$tmp/jobroot/job/between-save-restore"
if [ -n "$control" ]; then
    cp "$control" "$tmp/jobroot/job/control"
    cp "$control_ramdisk" "$tmp/jobroot/job/control-ramdisk"
    printf '%s\n' "$control_cmdline" >"$tmp/jobroot/job/control-cmdline"
fi
mode=guest
[ $selftest = 1 ] && mode=selftest
[ $soak = 1 ] && mode=soak
[ -n "$bench" ] && mode=bench
cat >"$tmp/jobroot/job/job.env" <<EOF
JOB_VCPUS=$vcpus
JOB_MEM=$mem
JOB_TIMEOUT=$gtimeout
JOB_NDISKS=${#disks[@]}
JOB_CONSOLE=$console
JOB_INTERACTIVE=$interactive
JOB_INPUT=$input
JOB_AGENT=$agent
JOB_ACTION=$action
JOB_ACTION_WAIT=30
JOB_CYCLES=$cycles
JOB_STOCK=$stock
JOB_MODE=$mode
JOB_SOAK_ROUNDS=$([ $soak = 1 ] && echo "$soak_rounds" || echo 1)
JOB_SOAK_BUDGET=$soak_budget
JOB_SOAK_VCPUS="$soak_vcpus"
JOB_SOAK_DUMP=$([ -n "$dump_disk" ] && echo 1 || echo 0)
JOB_SOAK_CONTROL_EVERY=$control_every
EOF
cat "$dom0initrd" >"$tmp/initrd"
size=$(stat -c %s "$tmp/initrd")
pad=$(( (4 - size % 4) % 4 ))
[ $pad -eq 0 ] || head -c "$pad" /dev/zero >>"$tmp/initrd"
(cd "$tmp/jobroot" && find job | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >>"$tmp/initrd"
# Multiboot module strings are split at commas and the file name ends at
# the first space: use paths that have neither.
ln -s "$vmlinux" "$tmp/vmlinux"
ln -s "$xen" "$tmp/xen.elf"

# spec-ctrl=eager-fpu: QEMU TCG does not raise #NM for XSAVE, XSAVEOPT
# or XRSTOR while CR0.TS is set (tools/repro/qemu-xsave-nm.sh proves
# it in one second). Xen's default lazy FPU switching relies on that
# #NM, so on this emulator dom0's and the domU's processes had their
# SSE/AVX registers swapped or zeroed whenever a guest vCPU had run on
# the same CPU: busybox, xl and libxl-save-helper died of SIGSEGV/#GP
# (tools/README.md, "processes dying of a fault"). Eager switching
# never sets CR0.TS. Real hardware raises the #NM; no user needs this.
xen_args="console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all console_timestamps=boot dom0_mem=512M,max:512M spec-ctrl=eager-fpu"
dom0_args="console=hvc0 earlyprintk=xen rdinit=/init loglevel=4"
# Debugging aids (see tools/tier2/README.md): extra Xen / dom0 arguments;
# XENLING_QEMU_ACCEL replaces "tcg" (e.g. tcg,thread=single: one host
# thread for every vCPU, to tell a multi-threaded TCG race apart).
xen_args="$xen_args ${XENLING_TIER2_XEN_ARGS:-}"
dom0_args="$dom0_args ${XENLING_TIER2_DOM0_ARGS:-}"
case "$dom0_args" in *,*) infra "XENLING_TIER2_DOM0_ARGS must not contain commas" ;; esac
qemu=(qemu-system-x86_64 -accel "${XENLING_QEMU_ACCEL:-tcg}" -machine q35 -cpu max -smp 2 -m 1536
      -no-reboot -nodefaults -display none -serial stdio
      $(qemu_mon_args "$tmp/qemu.mon")
      -kernel "$tmp/xen.elf" -append "$xen_args"
      -initrd "$tmp/vmlinux $dom0_args,$tmp/initrd")
i=0
for d in "${disk_files[@]}"; do
    # QEMU option values escape a comma by doubling it.
    qemu+=(-drive "file=${d//,/,,},format=raw,if=none,id=xd$i,cache=writeback"
           -device "virtio-blk-pci,drive=xd$i,serial=xenling-disk$i")
    l=${disk_logs[$i]}
    [ -z "$l" ] || qemu+=(-drive "file=${l//,/,,},format=raw,if=none,id=xl$i,cache=writeback"
                          -device "virtio-blk-pci,drive=xl$i,serial=xenling-log$i")
    i=$((i + 1))
done
if [ -n "$dump_disk" ]; then
    qemu+=(-drive "file=${dump_disk//,/,,},format=raw,if=none,id=xdump,cache=writeback"
           -device "virtio-blk-pci,drive=xdump,serial=xenling-dump")
fi
qlimit=$((gtimeout + 120))
# A soak: the last round may start just before the budget runs out.
[ $soak = 0 ] || qlimit=$((soak_budget + 2 * gtimeout + 300))
# A crash's `xl dump-core` may take up to 1500 s (tools/tier2/soak).
[ -z "$dump_disk" ] || qlimit=$((qlimit + 1500))
qtimeout=${XENLING_TIER2_QEMU_TIMEOUT:-$qlimit}
isnum "$qtimeout" || infra "XENLING_TIER2_QEMU_TIMEOUT must be a number of seconds"

# ------------------------------------------------------------------- run --
now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }
start_us=$(now_us)
since() { local d=$(( $(now_us) - start_us )); printf '%d.%01d' $((d / 1000000)) $(( (d / 100000) % 10 )); }
secs() { local d=$(( $2 - $1 )); printf '%d.%02d' $((d / 1000000)) $(( (d / 10000) % 100 )); }
progress() { echo "tier2: $* ($(since) s)"; }
# The guest runs once xl has unpaused it: its first port-0xE9 line or xl's
# "Waiting for domain" line, whichever the serial shows first.
created() {
    [ "$last_stage" != "guest running" ] || return 0
    last_stage="guest running"
    progress "guest created"
}

if [ $selftest = 1 ]; then
    what="the dom0 agent self-check (no guest)"
elif [ $soak = 1 ]; then
    what="a soak: $soak_rounds rounds of $(basename "$kernel") at vCPUs '$soak_vcpus'${control:+ and the control $(basename "$control")} (timeout=${gtimeout}s each, budget ${soak_budget}s)"
else
    what="$(basename "$kernel") (vcpus=$vcpus mem=${mem}M disks=${#disks[@]} timeout=${gtimeout}s)"
    [ "$action" = none ] || what="$what, then xl $action"
fi
echo "tier2: booting Xen + Linux dom0 in QEMU TCG for $what"
t_xen='' t_dom0='' t_init='' t_tool='' t_create='' t_ended='' u_create=''
verdict_line='' in_tx=0 panic='' last_stage="QEMU start"
declare -a pvlines=() e9lines=() xlerr=()
: >"$serial"

# Strip what Xen puts before a guest's port-0xE9 line: an optional
# "(XEN) ", a "[  time]" stamp, the "(dN) " tag, in either order.
e9re='^(\(XEN\) )?(\[[ 0-9.]+\] )?\(d([0-9]+)\) (\[[ 0-9.]+\] )?(.*)$'

# For the boot timeline (tools/timeline.py): when the runner read each
# line Xen stamped (to put host-clock times on Xen's clock), and when
# each stage began.
times="${transcript%.txt}.times"
stampre='^(\(XEN\) )?(\(d[0-9]+\) )?\[ *([0-9]+\.[0-9]+)\] '
exec 7>"$times"

set +e
# A machine silent for XENLING_QEMU_SILENCE s (default 120) gets its
# vCPUs' registers dumped once (tools/lib/qemu-mon.sh).
qemu_mon_watch "$tmp/qemu.mon" "$serial" "${transcript%.txt}.regs" \
    "${XENLING_QEMU_SILENCE:-120}" &
monpid=$!
exec 9<&0
exec 8< <(
    if [ $interactive = 1 ]; then
        # Keystrokes reach Xen's serial line, which hands them to dom0.
        # --foreground: QEMU sets the terminal's modes, which a process
        # outside the terminal's foreground group may not (it would stop).
        timeout --foreground -k 5 "$qtimeout" "${qemu[@]}" <&9 \
            2>"$tmp/qemu.stderr" &
    else
        timeout -k 5 "$qtimeout" "${qemu[@]}" </dev/null 2>"$tmp/qemu.stderr" &
    fi
    echo $! >"$tmp/qemu.pid"
    wait $!
    # On a line of its own even if QEMU died mid-line.
    printf '\nQEMU-EXIT-STATUS %s\n' "$?"
)
while IFS= read -r line <&8; do
    line=${line%$'\r'}
    case "$line" in
        "QEMU-EXIT-STATUS "*) qstatus=${line#QEMU-EXIT-STATUS }; break ;;
    esac
    printf '%s\n' "$line" >>"$serial"
    [[ $line =~ $stampre ]] && printf 'anchor %s %s\n' "${EPOCHREALTIME/./}" "${BASH_REMATCH[3]}" >&7
    if [ $in_tx = 1 ]; then
        case "$line" in
            "XT| "*) pvlines+=("${line#XT| }"); continue ;;
            "XENLING-TIER2: transcript end"*) in_tx=0; continue ;;
        esac
    fi
    case "$line" in
        "XENLING-TIER2: "*)
            msg=${line#XENLING-TIER2: }
            case "$msg" in
                "stage init"*)      t_init=$(now_us); last_stage="dom0 init"; progress "dom0 init" ;;
                "stage toolstack"*) t_tool=$(now_us); last_stage="toolstack up"; progress "toolstack up" ;;
                "stage create"*)    t_create=$(now_us); last_stage="xl create"
                                    u_create=${msg#*uptime=} ;;
                "stage selftest"*)  t_create=$(now_us); last_stage="agent self-check"
                                    progress "agent self-check" ;;
                "stage bench"*)     t_create=$(now_us); last_stage="benchmark"
                                    progress "benchmark" ;;
                "stage soak"*)      t_create=$(now_us); last_stage="soak"
                                    progress "soak boots" ;;
                "soak: begin "*|"soak: end "*) ;;
                "soak: "*)          echo "tier2: $msg" ;;
                "config: "*)        echo "tier2: guest $msg" ;;
                "xl: Waiting for domain"*) created ;;
                "xl: "*)
                    # xl's routine chatter stays in the serial log; show
                    # what looks like a problem.
                    shopt -s nocasematch
                    if [[ $msg == *error* || $msg == *fail* || $msg == *warning* || \
                          $msg == *cannot* || $msg == *unable* || $msg == *denied* ]]; then
                        xlerr+=("${msg#xl: }")
                        echo "tier2: xl: ${msg#xl: }"
                    fi
                    shopt -u nocasematch
                    ;;
                "stage ended"*)     t_ended=$(now_us); last_stage="guest ended" ;;
                "transcript begin"*) in_tx=1 ;;
                "verdict "*)
                    verdict_line=$msg; last_stage="verdict"
                    r=${msg#*reason=}; r=${r%% *}
                    case "$r" in
                        timeout)   progress "guest timed out" ;;
                        xl_failed) progress "xl create failed" ;;
                        infra)     ;;
                        *)         progress "guest ended: reason=$r" ;;
                    esac
                    ;;
                "error: "*)         echo "tier2: dom0: $msg" ;;
                "disk "*|"input: "*|"agent: "*|"dom0 kernel: "*) echo "tier2: $msg" ;;
            esac
            ;;
        "XL| "*)
            [ $console = 1 ] && printf '%s\n' "${line#XL| }"
            ;;
        *)
            if [[ $line =~ $e9re ]]; then
                if [ "${BASH_REMATCH[3]}" != 0 ]; then
                    created
                    e9lines+=("${BASH_REMATCH[5]}")
                fi
            elif [ -z "$t_xen" ] && [[ $line == *"*** Serial input to DOM0"* ]]; then
                t_xen=$(now_us); last_stage="Xen up"; progress "Xen up"
            elif [ -z "$t_dom0" ] && [[ $line == *"Linux version"* ]]; then
                t_dom0=$(now_us); last_stage="dom0 kernel"
            elif [ -z "$panic" ] && [[ $line == *"Panic on CPU"* || $line == *"FATAL TRAP"* || \
                    $line == *"Kernel panic - not syncing"* || $line == *"Hardware Dom0 crashed"* ]]; then
                panic=$line
            fi
            ;;
    esac
done
[ -n "${qstatus:-}" ] || qstatus="unknown (output ended)"
exec 8<&-
kill $monpid 2>/dev/null
wait $monpid 2>/dev/null
set -e
end_us=$(now_us)
for st in "dom0 $t_dom0" "init $t_init" "toolstack $t_tool" "create $t_create" \
          "ended $t_ended" "end $end_us"; do
    [ -z "${st#* }" ] || echo "stage $st" >&7
done
exec 7>&-

# ------------------------------------------------------------ transcript --
reason=$(sed -n 's/.*reason=\([a-z_]*\).*/\1/p' <<<"$verdict_line")
code=$(sed -n 's/.* code=\(-\{0,1\}[0-9]*\).*/\1/p' <<<"$verdict_line")
{
    echo "# Xenling tier-2 transcript: $(basename "$kernel") vcpus=$vcpus mem=${mem}M cmdline=\"$cmdline\""
    echo "# --- guest port 0xE9 (Xen's \"(dN)\" lines), ${#e9lines[@]} lines ---"
    [ ${#e9lines[@]} -eq 0 ] || printf '%s\n' "${e9lines[@]}"
    echo "# --- guest PV console (xenconsoled log), ${#pvlines[@]} lines ---"
    [ ${#pvlines[@]} -eq 0 ] || printf '%s\n' "${pvlines[@]}"
    echo "# --- domain ended: reason=${reason:-unknown} code=${code:-?} ---"
} >"$transcript"
python3 "$here/save-ktap.py" "$transcript" \
    "$top/build/logs/tier2-$(date +%s%N).ktap" | sed 's/^/tier2: /' || true
# A triple fault's dump goes to the output too, so a CI log shows which
# known signature it had (tools/README.md, "A rare tier-2 triple fault").
if grep -q "Triple fault" "$serial"; then
    grep -A 12 "Triple fault" "$serial" | grep -E "Triple fault|RIP:|rax:|rcx:|cr3:" |
        sed 's/^/tier2: xen: /' || true
    cp "$serial" "$top/build/logs/tier2-$(date +%s%N).triple-fault.serial.log" || true
fi

# Each console is judged on its own (a guest usually writes the same lines
# to both, so the transcript holds the summary twice): with the project's
# rule, tools/lib/verdict.sh, when present, else with the rule below.
# Returns 0 pass, 1 failure reported, 2 no verdict.
judge_builtin() {
    local log=$1 clean
    clean=$(sed -e 's/\r$//' -e 's/^\(([A-Za-z0-9]*) \)\{0,1\}\(\[[^]]*\] \)\{0,1\}//' \
                -e 's/[[:space:]]*$//' "$log")
    if grep -qx 'XENLING: TESTS FAILED\|XENLING: PANIC' <<<"$clean" || \
       grep -Eq '^[0-9]+ passed, [1-9][0-9]* failed, [0-9]+ skipped$' <<<"$clean"; then
        echo "verdict: FAIL"; return 1
    fi
    if grep -qx 'XENLING: ALL TESTS PASSED' <<<"$clean" && \
       grep -Eq '^[0-9]+ passed, 0 failed, [0-9]+ skipped$' <<<"$clean"; then
        echo "verdict: PASS"; return 0
    fi
    echo "verdict: NO VERDICT (no summary line and success marker)"; return 2
}
if [ -r "$here/lib/verdict.sh" ]; then
    . "$here/lib/verdict.sh"
    judge() { judge_log "$1" -; }
else
    judge() { judge_builtin "$1"; }
fi
judge_source() {   # NAME LINES... ; sets src_rc
    local name=$1 f="$tmp/judge-$1.txt" line
    shift
    src_rc=2
    [ $# -gt 0 ] || return 0
    printf '%s\n' "$@" >"$f"
    judge "$f" >"$f.out" && src_rc=0 || src_rc=$?
    while IFS= read -r line; do
        echo "tier2: $name: $line"
    done <"$f.out"
}
judge_source "port 0xE9" "${e9lines[@]}"; rc_e9=$src_rc
judge_source "PV console" "${pvlines[@]}"; rc_pv=$src_rc

# --------------------------------------------------------------- timings --
timing() {
    local s="tier2: timings:"
    [ -n "$t_xen" ] && s="$s Xen up $(secs "$start_us" "$t_xen") s,"
    [ -n "$t_init" ] && s="$s dom0 init $(secs "$start_us" "$t_init") s,"
    [ -n "$t_tool" ] && s="$s toolstack up $(secs "$start_us" "$t_tool") s,"
    [ -n "$t_create" ] && [ -n "$t_ended" ] && [ $selftest = 0 ] && \
        s="$s guest create-to-destroy $(secs "$t_create" "$t_ended") s,"
    [ -n "$t_create" ] && [ -n "$t_ended" ] && [ $selftest = 1 ] && \
        s="$s agent self-check $(secs "$t_create" "$t_ended") s,"
    [ -n "$u_create" ] && s="$s dom0 uptime at xl create $u_create s,"
    s="$s total $(secs "$start_us" "$end_us") s"
    echo "$s"
}
timing
python3 "$here/timeline.py" "$serial" --times "$times" -o "$top/build/boot-timeline.png" \
    --title "tier 2: Xen + Linux dom0, xl create of $(basename "$kernel") (PVH), $vcpus vCPUs${cmdline:+ ($cmdline)}" \
    | sed 's/^/tier2: /' || true
echo "tier2: transcript: $transcript"
echo "tier2: serial log: $serial"

# --------------------------------------------------------------- verdict --
if [ -z "$verdict_line" ]; then
    why="QEMU exited with status $qstatus"
    [ "$qstatus" = 124 ] || [ "$qstatus" = 137 ] && why="QEMU timed out after ${qtimeout} s"
    [ -n "$panic" ] && why="$why; first fatal line: $panic"
    if [ -s "$tmp/qemu.stderr" ]; then
        why="$why; QEMU said: $(head -c 400 "$tmp/qemu.stderr" | tr '\n' ' ')"
    fi
    infra "no verdict from dom0 ($why); last stage reached: $last_stage; see $serial"
fi
case "$reason" in
    infra)
        infra "dom0: $(sed -n 's/.*detail=//p' <<<"$verdict_line" | tr '_' ' '); see $serial" ;;
    xl_failed)
        infra "xl create failed${xlerr:+ (first error: ${xlerr[0]})}; see $serial" ;;
esac
# A field "NAME=VALUE" of dom0's verdict line.
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$verdict_line"; }

if [ -n "$bench" ]; then
    if [ "$reason" = bench ] && [ "$code" = 0 ]; then
        echo "tier2: PASS: the benchmark ran; every guest powered off"
        exit 0
    fi
    echo "tier2: FAIL: the benchmark ended with status $code (reason=$reason; details: $transcript)"
    exit 1
fi
if [ $soak = 1 ]; then
    # Each boot was judged in dom0 (its "tier2: soak: boot=" line); the
    # caller (tools/soak.sh) counts them. Here: did the loop end?
    if grep -q '^XENLING-TIER2: soak: \(done\|stopped\) ' "$serial"; then
        echo "tier2: soak session ended: $(sed -n 's/^XENLING-TIER2: soak: \(done\|stopped\) //p' "$serial" | tail -n 1)"
        exit 0
    fi
    echo "tier2: NO VERDICT: the soak loop did not end (dom0 status $(field code)); see $serial" >&2
    exit 2
fi
if [ $selftest = 1 ]; then
    case "$rc_pv" in
        0) echo "tier2: PASS: the dom0 agent self-check passed"; exit 0 ;;
        1) echo "tier2: FAIL: the dom0 agent self-check failed (details: $transcript)"; exit 1 ;;
    esac
    echo "tier2: NO VERDICT: the dom0 agent self-check ended (status $(field code)) without a verdict; see $serial" >&2
    exit 2
fi

# --action destroy: dom0 must have seen the line and destroyed the domain.
judge_destroy() {
    local adv st secs
    adv=$(field advertised) st=$(field action_status) secs=$(field action_secs)
    if [ "$rc_e9" = 1 ] || [ "$rc_pv" = 1 ] || [ "$reason" = crash ]; then
        echo "tier2: FAIL: the guest reported failure or crashed (reason=$reason) before dom0 destroyed it"
        return 1
    fi
    if [ "$adv" != 1 ]; then
        echo "tier2: FAIL: the guest never printed a line matching '$action_when' (the domain ended with reason=$reason)"
        return 1
    fi
    if [ "$st" != 0 ]; then
        echo "tier2: FAIL: xl destroy exited with status $st after $secs s"
        return 1
    fi
    echo "tier2: PASS: the guest printed a line matching '$action_when' and dom0 destroyed it (xl destroy: $secs s)"
}

# --action: judged by what happened to the domain after dom0 asked.
judge_action() {
    local want=poweroff feature=feature-poweroff adv st secs
    [ "$action" = reboot ] && want=reboot feature=feature-reboot
    adv=$(field advertised) st=$(field action_status) secs=$(field action_secs)
    if [ "$adv" = 1 ]; then
        echo "tier2: action: the guest advertised control/$feature; xl $action -w: status $st after $secs s; domain reason=$reason"
    fi
    if [ "$rc_e9" = 1 ] || [ "$rc_pv" = 1 ] || [ "$reason" = crash ]; then
        echo "tier2: FAIL: the guest reported failure or crashed (reason=$reason) in the xl $action run"
        return 1
    fi
    if [ "$adv" != 1 ]; then
        if [ "$reason" = timeout ]; then
            echo "tier2: FAIL: the guest never wrote 1 to control/$feature within --timeout ${gtimeout} s, so dom0 never ran xl $action (the domain was destroyed)"
        else
            echo "tier2: FAIL: the domain ended (reason=$reason) without ever writing 1 to control/$feature: dom0 never ran xl $action"
        fi
        return 1
    fi
    case "$st" in
        0) ;;
        124|137|143)
            echo "tier2: FAIL: xl $action -w did not return within 30 s (the domain ended with reason=$reason)"
            return 1 ;;
        129|13[0-9]|1[4-9][0-9]|2[0-9][0-9])
            # xl itself died of a signal in dom0: not the guest's doing.
            echo "tier2: INFRASTRUCTURE ERROR: xl $action -w died of signal $((st - 128)) in dom0 after $secs s (the domain ended with reason=$reason); see the dom0 kernel lines in $serial" >&2
            return 2 ;;
        *)  echo "tier2: FAIL: xl $action -w exited with status $st after $secs s (the domain ended with reason=$reason)"
            return 1 ;;
    esac
    if [ "$reason" != "$want" ]; then
        echo "tier2: FAIL: xl $action -w returned after $secs s, but the domain ended with reason=$reason, not $want"
        return 1
    fi
    if ! awk -v s="$secs" -v l="$action_limit" 'BEGIN { exit !(s + 0 <= l + 0) }'; then
        echo "tier2: FAIL: the domain took $secs s to end after xl $action, more than --action-limit $action_limit s"
        return 1
    fi
    echo "tier2: PASS: xl $action -w returned 0 after $secs s and the domain ended with reason $want"
    return 0
}
# Each --disk with pattern=SEED, checked on the host now that QEMU is
# gone (its volatile cache written back): the whole file holds the
# pattern. Returns 0, 1 (a sector differs) or 2 (the file cannot be read).
check_patterns() {
    local i rc worst=0
    for i in "${!disk_files[@]}"; do
        [ -n "${disk_pats[$i]}" ] || continue
        python3 tools/blk/patcheck.py "${disk_files[$i]}" --seed "${disk_pats[$i]}" | sed 's/^/tier2: disk: /'
        rc=${PIPESTATUS[0]}
        if [ "$rc" != 0 ]; then
            echo "tier2: FAIL: disk $i (${disk_files[$i]}) does not hold the pattern of ${disk_pats[$i]} everywhere (patcheck status $rc)"
            [ "$rc" = 1 ] && worst=1 || { [ $worst = 1 ] || worst=2; }
        fi
    done
    return $worst
}
# Save, restore, migrate, checkpoint: the guest's own verdict, every
# cycle done, and the pattern disks checked.
judge_resume() {
    local done times st
    done=$(field cycles_done) times=$(field cycle_times) st=$(field action_status)
    echo "tier2: resume: $done of $cycles cycles done (kind:seconds:status) $times; last domain reason=$reason"
    if [ "$rc_e9" = 1 ] || [ "$rc_pv" = 1 ] || [ "$reason" = crash ]; then
        echo "tier2: FAIL: the guest reported failure or crashed (reason=$reason) in the $action run"
        return 1
    fi
    if [ "$done" != "$cycles" ]; then
        echo "tier2: FAIL: only $done of $cycles $action cycles were done (last xl status $st)"
        return 1
    fi
    if [ "$rc_e9" = 0 ] || [ "$rc_pv" = 0 ]; then
        check_patterns || return $?
        echo "tier2: PASS: $cycles $action cycles, and the guest's verdict is a pass"
        return 0
    fi
    echo "tier2: NO VERDICT: $cycles cycles done, but no verdict from the guest (reason=$reason)" >&2
    return 2
}
if [ "$action" = destroy ]; then
    judge_destroy && exit 0
    exit $?
fi
case "$action" in
    save-restore|migrate|checkpoint|mixed) judge_resume && exit 0; exit $? ;;
esac
if [ "$action" != none ]; then
    judge_action && exit 0
    exit $?
fi

if [ "$reason" = timeout ]; then
    echo "tier2: TIMEOUT: the guest ran longer than --timeout ${gtimeout} s and was destroyed" >&2
    exit 2
fi

if [ "$rc_e9" = 1 ] || [ "$rc_pv" = 1 ] || [ "$reason" = crash ]; then
    w=
    [ "$rc_e9" = 1 ] && w="$w port-0xE9-console"
    [ "$rc_pv" = 1 ] && w="$w PV-console"
    [ "$reason" = crash ] && w="$w domain-crashed(SHUTDOWN_crash)"
    echo "tier2: FAIL: the guest reported failure:$w (reason=$reason)"
    exit 1
fi
if [ "$rc_e9" = 0 ] || [ "$rc_pv" = 0 ]; then
    if [ "$reason" = poweroff ]; then
        echo "tier2: PASS"
        exit 0
    fi
    echo "tier2: NO VERDICT: the console says pass but the domain ended with reason=$reason, not poweroff" >&2
    exit 2
fi
echo "tier2: NO VERDICT: the guest ended (reason=$reason) without a pass or fail verdict on either console" >&2
exit 2
