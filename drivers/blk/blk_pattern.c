/* SPDX-License-Identifier: MIT */
/*
 * blk_pattern.c - the scratch disk's sector pattern and the tags of the
 * ordering tests (drivers/blk/blk_pattern.h). Portable: host-tested in
 * tests/host/test_blkif_pattern.c.
 */
#include "drivers/blk/blk_pattern.h"
#include <xen/errno.h>

#define WORDS     (BLK_PATTERN_SECTOR / 8)
#define TAG_WORDS 7 /* the words the tag takes */

static void
put_le64(unsigned char *p, uint64_t v)
{
    unsigned int i;

    for ( i = 0; i < 8; i++ )
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_le64(const unsigned char *p)
{
    uint64_t v = 0;
    unsigned int i;

    for ( i = 0; i < 8; i++ )
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Words [from, WORDS) of one sector hold `word`? */
static bool
words_are(const unsigned char *s, unsigned int from, uint64_t word)
{
    unsigned int i;

    for ( i = from; i < WORDS; i++ )
        if ( get_le64(s + 8 * i) != word )
            return false;
    return true;
}

static void
words_fill(unsigned char *s, unsigned int from, uint64_t word)
{
    unsigned int i;

    for ( i = from; i < WORDS; i++ )
        put_le64(s + 8 * i, word);
}

void
blk_pattern_fill(void *buf, uint64_t sector, uint64_t count, uint64_t seed)
{
    unsigned char *s = buf;
    uint64_t i;

    for ( i = 0; i < count; i++, s += BLK_PATTERN_SECTOR )
        words_fill(s, 0, (sector + i) ^ seed);
}

uint64_t
blk_pattern_check(const void *buf, uint64_t sector, uint64_t count,
                  uint64_t seed)
{
    const unsigned char *s = buf;
    uint64_t i;

    for ( i = 0; i < count; i++, s += BLK_PATTERN_SECTOR )
        if ( !words_are(s, 0, (sector + i) ^ seed) )
            return i;
    return count;
}

void
blk_tag_write(void *buf, const struct blk_tag *t)
{
    unsigned char *s = buf;

    memcpy(s, BLK_TAG_MAGIC, 8);
    put_le64(s + 8, t->sector);
    put_le64(s + 16, t->seed);
    put_le64(s + 24, t->epoch);
    put_le64(s + 32, t->seal);
    put_le64(s + 40, t->barriers);
    put_le64(s + 48, t->kind); /* kind, then four zero bytes */
    words_fill(s, TAG_WORDS, t->sector ^ t->seed);
}

int
blk_tag_read(const void *buf, struct blk_tag *t)
{
    const unsigned char *s = buf;
    uint64_t kind;

    if ( memcmp(s, BLK_TAG_MAGIC, 8) != 0 )
        return -XEN_ENOENT;
    t->sector = get_le64(s + 8);
    t->seed = get_le64(s + 16);
    t->epoch = get_le64(s + 24);
    t->seal = get_le64(s + 32);
    t->barriers = get_le64(s + 40);
    kind = get_le64(s + 48);
    t->kind = (uint32_t)kind;
    if ( kind > BLK_TAG_BARRIER ||
         !words_are(s, TAG_WORDS, t->sector ^ t->seed) )
        return -XEN_EBADMSG;
    return 0;
}

int
blk_number_parse(const char *s, uint64_t *out)
{
    unsigned int base = 10, d;
    uint64_t v = 0;

    if ( s[0] == '0' && (s[1] == 'x' || s[1] == 'X') )
    {
        base = 16;
        s += 2;
    }
    if ( *s == '\0' )
        return -XEN_EINVAL;
    for ( ; *s; s++ )
    {
        if ( *s >= '0' && *s <= '9' )
            d = (unsigned int)(*s - '0');
        else if ( base == 16 && *s >= 'a' && *s <= 'f' )
            d = (unsigned int)(*s - 'a' + 10);
        else if ( base == 16 && *s >= 'A' && *s <= 'F' )
            d = (unsigned int)(*s - 'A' + 10);
        else
            return -XEN_EINVAL;
        if ( v > (UINT64_MAX - d) / base )
            return -XEN_EINVAL;
        v = v * base + d;
    }
    *out = v;
    return 0;
}
