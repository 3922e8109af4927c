#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run-tier2.sh - run a kernel as a PVH guest of real Xen (Debian's Xen 4.17,
# CR2-fixed build) with Debian's Linux as dom0, all inside QEMU TCG, and
# report the guest's verdict. See tools/tier2/README.md.
#
# Usage: tools/run-tier2.sh [options] KERNEL_ELF
#   --vcpus N           guest vCPUs (default 2)
#   --mem MiB           guest memory (default 64)
#   --cmdline "ARGS"    guest command line (default empty)
#   --disk FILE         attach a host file as a guest disk (xvda, xvdb, ...;
#                       raw, read-write; repeatable, at most 8)
#   --transcript FILE   guest transcript (default build/tier2/last-transcript.txt);
#                       the full serial log goes to FILE with .txt replaced
#                       by .serial.log
#   --timeout S         limit from guest creation to its end (default 60);
#                       the whole QEMU run is limited to S + 120 s
#   --console           stream the guest's lines live to stdout
#
# Exit status is the GUEST's verdict, never QEMU's:
#   0  the transcript has "XENLING: ALL TESTS PASSED" and a summary line
#      "N passed, 0 failed, M skipped", and the domain powered off
#   1  the guest failed: "XENLING: TESTS FAILED", a summary with failures,
#      a crash (SHUTDOWN_crash), or it ended without a success verdict
#   2  infrastructure problem or timeout (the message says which)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out="$top/build/tier2"

vcpus=2
mem=64
cmdline=
disks=()
transcript="$out/last-transcript.txt"
gtimeout=60
console=0
kernel=

infra() { echo "tier2: INFRASTRUCTURE ERROR: $*" >&2; exit 2; }
usage() { sed -n '7,27p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
    case "$1" in
        --vcpus)      [ $# -ge 2 ] || usage 2; vcpus=$2; shift 2 ;;
        --mem)        [ $# -ge 2 ] || usage 2; mem=$2; shift 2 ;;
        --cmdline)    [ $# -ge 2 ] || usage 2; cmdline=$2; shift 2 ;;
        --disk)       [ $# -ge 2 ] || usage 2; disks+=("$2"); shift 2 ;;
        --transcript) [ $# -ge 2 ] || usage 2; transcript=$2; shift 2 ;;
        --timeout)    [ $# -ge 2 ] || usage 2; gtimeout=$2; shift 2 ;;
        --console)    console=1; shift ;;
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
[ -n "$kernel" ] || { echo "tier2: no KERNEL_ELF given" >&2; usage 2; }

isnum() { case "$1" in ''|*[!0-9]*) return 1 ;; esac; [ "$1" -gt 0 ]; }
isnum "$vcpus" && [ "$vcpus" -le 64 ] || infra "--vcpus must be 1..64, not '$vcpus'"
isnum "$mem" && [ "$mem" -ge 4 ] && [ "$mem" -le 900 ] || \
    infra "--mem must be 4..900 MiB (dom0 has 512 of QEMU's 1536), not '$mem'"
isnum "$gtimeout" || infra "--timeout must be a positive number of seconds, not '$gtimeout'"
case "$cmdline" in *$'\n'*) infra "--cmdline must be one line" ;; esac
[ ${#disks[@]} -le 8 ] || infra "at most 8 --disk files"
[ -f "$kernel" ] && [ -r "$kernel" ] || infra "kernel '$kernel' not found or unreadable"
magic=$(head -c 4 "$kernel" | od -An -tx1 | tr -d ' \n')
case "$magic" in
    7f454c46|1f8b*) ;;
    *) infra "kernel '$kernel' is neither an ELF file nor gzip (magic $magic)" ;;
esac
for d in "${disks[@]}"; do
    [ -f "$d" ] && [ -r "$d" ] && [ -w "$d" ] || infra "--disk '$d' must be an existing read-write file"
done
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

# One QEMU at a time on this machine: wait for other runs to finish.
exec 9>"$out/.qemu.lock"
flock -w 900 9 || infra "another tier-2 run held $out/.qemu.lock for 15 minutes"

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
cp "$kernel" "$tmp/jobroot/job/kernel"
printf '%s\n' "$cmdline" >"$tmp/jobroot/job/cmdline"
cat >"$tmp/jobroot/job/job.env" <<EOF
JOB_VCPUS=$vcpus
JOB_MEM=$mem
JOB_TIMEOUT=$gtimeout
JOB_NDISKS=${#disks[@]}
JOB_CONSOLE=$console
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

xen_args="console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all console_timestamps=boot dom0_mem=512M,max:512M"
dom0_args="console=hvc0 earlyprintk=xen rdinit=/init loglevel=4"
# Debugging aids (see tools/tier2/README.md): extra Xen / dom0 arguments.
xen_args="$xen_args ${XENLING_TIER2_XEN_ARGS:-}"
dom0_args="$dom0_args ${XENLING_TIER2_DOM0_ARGS:-}"
case "$dom0_args" in *,*) infra "XENLING_TIER2_DOM0_ARGS must not contain commas" ;; esac
qemu=(qemu-system-x86_64 -accel tcg -machine q35 -cpu max -smp 2 -m 1536
      -no-reboot -nodefaults -display none -monitor none -serial stdio
      -kernel "$tmp/xen.elf" -append "$xen_args"
      -initrd "$tmp/vmlinux $dom0_args,$tmp/initrd")
i=0
for d in "${disks[@]}"; do
    # QEMU option values escape a comma by doubling it.
    qemu+=(-drive "file=${d//,/,,},format=raw,if=none,id=xd$i,cache=writeback"
           -device "virtio-blk-pci,drive=xd$i,serial=xenling-disk$i")
    i=$((i + 1))
done
qtimeout=$((gtimeout + 120))

# ------------------------------------------------------------------- run --
now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }
start_us=$(now_us)
since() { local d=$(( $(now_us) - start_us )); printf '%d.%01d' $((d / 1000000)) $(( (d / 100000) % 10 )); }
secs() { local d=$(( $2 - $1 )); printf '%d.%02d' $((d / 1000000)) $(( (d / 10000) % 100 )); }
progress() { echo "tier2: $* ($(since) s)"; }

echo "tier2: booting Xen + Linux dom0 in QEMU TCG for $(basename "$kernel")" \
     "(vcpus=$vcpus mem=${mem}M disks=${#disks[@]} timeout=${gtimeout}s)"
t_xen= t_dom0= t_init= t_tool= t_create= t_ended= t_verdict=
verdict_line= in_tx=0 panic= last_stage="QEMU start"
declare -a pvlines=() e9lines=() xlerr=()
: >"$serial"

# Strip what Xen puts before a guest's port-0xE9 line: an optional
# "(XEN) ", a "[  time]" stamp, the "(dN) " tag, in either order.
e9re='^(\(XEN\) )?(\[[ 0-9.]+\] )?\(d([0-9]+)\) (\[[ 0-9.]+\] )?(.*)$'

set +e
exec 8< <(
    timeout -k 5 "$qtimeout" "${qemu[@]}" </dev/null 2>"$tmp/qemu.stderr" &
    echo $! >"$tmp/qemu.pid"
    wait $!
    echo "QEMU-EXIT-STATUS $?"
)
while IFS= read -r line <&8; do
    line=${line%$'\r'}
    case "$line" in
        "QEMU-EXIT-STATUS "*) qstatus=${line#QEMU-EXIT-STATUS }; break ;;
    esac
    printf '%s\n' "$line" >>"$serial"
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
                "stage create"*)    t_create=$(now_us); last_stage="xl create" ;;
                "xl: Waiting for domain"*) last_stage="guest running"; progress "guest created" ;;
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
                "verdict "*)        t_verdict=$(now_us); verdict_line=$msg; last_stage="verdict" ;;
                "error: "*)         echo "tier2: dom0: $msg" ;;
                "disk "*)           echo "tier2: $msg" ;;
            esac
            ;;
        "XL| "*)
            [ $console = 1 ] && printf 'pv| %s\n' "${line#XL| }"
            ;;
        *)
            if [[ $line =~ $e9re ]]; then
                if [ "${BASH_REMATCH[3]}" != 0 ]; then
                    e9lines+=("${BASH_REMATCH[5]}")
                    [ $console = 1 ] && printf 'e9| %s\n' "${BASH_REMATCH[5]}"
                fi
            elif [ -z "$t_xen" ] && [[ $line == *"*** Serial input to DOM0"* ]]; then
                t_xen=$(now_us); last_stage="Xen up"; progress "Xen up"
            elif [ -z "$t_dom0" ] && [[ $line == *"Linux version"* ]]; then
                t_dom0=$(now_us); last_stage="dom0 kernel"
            elif [[ $line == *"Panic on CPU"* ]] || [[ $line == *"FATAL TRAP"* ]]; then
                panic=$line
            fi
            ;;
    esac
done
[ -n "${qstatus:-}" ] || qstatus="unknown (output ended)"
exec 8<&-
set -e
end_us=$(now_us)

# ------------------------------------------------------------ transcript --
strip_prefix() {
    local l=$1
    l=${l%$'\r'}
    [[ $l =~ $e9re ]] && l=${BASH_REMATCH[5]}
    l=$(printf '%s' "$l" | sed -E 's/^\[ *[0-9]+\.[0-9]+\] //; s/[[:space:]]+$//')
    printf '%s' "$l"
}
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

pass=0 fail=0 sum_ok=0 sum_bad=0
for l in "${e9lines[@]}" "${pvlines[@]}"; do
    l=$(strip_prefix "$l")
    case "$l" in
        "XENLING: ALL TESTS PASSED") pass=1 ;;
        "XENLING: TESTS FAILED")     fail=1 ;;
    esac
    if [[ $l =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
        if [ "${BASH_REMATCH[2]}" -eq 0 ]; then sum_ok=1; else sum_bad=1; fi
    fi
done

# --------------------------------------------------------------- timings --
timing() {
    local s="tier2: timings:"
    [ -n "$t_xen" ] && s="$s Xen up $(secs "$start_us" "$t_xen") s,"
    [ -n "$t_init" ] && s="$s dom0 init $(secs "$start_us" "$t_init") s,"
    [ -n "$t_tool" ] && s="$s toolstack up $(secs "$start_us" "$t_tool") s,"
    [ -n "$t_create" ] && [ -n "$t_ended" ] && \
        s="$s guest create-to-destroy $(secs "$t_create" "$t_ended") s,"
    s="$s total $(secs "$start_us" "$end_us") s"
    echo "$s"
}
timing
echo "tier2: transcript: $transcript"
echo "tier2: serial log: $serial"

# --------------------------------------------------------------- verdict --
if [ -z "$verdict_line" ]; then
    why="QEMU exited with status $qstatus"
    [ "$qstatus" = 124 ] || [ "$qstatus" = 137 ] && why="QEMU timed out after ${qtimeout} s"
    [ -n "$panic" ] && why="$why; Xen: $panic"
    if [ -s "$tmp/qemu.stderr" ]; then
        why="$why; QEMU said: $(head -c 400 "$tmp/qemu.stderr" | tr '\n' ' ')"
    fi
    infra "no verdict from dom0 ($why); last stage reached: $last_stage; see $serial"
fi
progress "guest ended: reason=$reason"
case "$reason" in
    infra)
        infra "dom0: $(sed -n 's/.*detail=//p' <<<"$verdict_line" | tr '_' ' '); see $serial" ;;
    timeout)
        echo "tier2: TIMEOUT: the guest ran longer than --timeout ${gtimeout} s and was destroyed" >&2
        exit 2 ;;
    xl_failed)
        infra "xl create failed: ${xlerr[*]:-no message}; see $serial" ;;
esac

if [ $fail = 1 ] || [ $sum_bad = 1 ] || [ "$reason" = crash ]; then
    w=
    [ $fail = 1 ] && w="$w 'XENLING: TESTS FAILED'"
    [ $sum_bad = 1 ] && w="$w summary-with-failures"
    [ "$reason" = crash ] && w="$w domain-crashed"
    echo "tier2: FAIL: guest reported failure:$w (reason=$reason)"
    exit 1
fi
if [ $pass = 1 ] && [ $sum_ok = 1 ] && [ "$reason" = poweroff ]; then
    echo "tier2: PASS"
    exit 0
fi
w=
[ $pass = 1 ] || w="$w no-'XENLING: ALL TESTS PASSED'"
[ $sum_ok = 1 ] || w="$w no-'N passed, 0 failed, M skipped'"
[ "$reason" = poweroff ] || w="$w shutdown-reason=$reason"
echo "tier2: FAIL: guest ended without a success verdict:$w"
exit 1
