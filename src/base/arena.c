/* arena.c - a bump allocator on a caller's first block, growing by
 * malloc'ed chunks that are all freed at once */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define ARENA_ALIGN	_Alignof(max_align_t)
#define ARENA_CHUNK_MIN	4096
#define ARENA_CHUNK_MAX	(1024 * 1024)

struct tr_arena_chunk {
	struct tr_arena_chunk *next;
	max_align_t data[];
};

/* tr_arena_init - start an arena on a caller-provided first block */
void
tr_arena_init(struct tr_arena *a, void *block, size_t size)
{
	a->p = block;
	a->left = size;
	a->chunks = NULL;
	a->next_size = ARENA_CHUNK_MIN;
}

/* tr_arena_alloc - n bytes aligned for any type, or NULL when out of memory */
void *
tr_arena_alloc(struct tr_arena *a, size_t n)
{
	struct tr_arena_chunk *ch;
	size_t size;
	void *ret;

	if (n > SIZE_MAX - ARENA_ALIGN - sizeof(*ch))
		return NULL;
	n = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (n > a->left) {
		size = n > a->next_size ? n : a->next_size;
		if ((ch = malloc(sizeof(*ch) + size)) == NULL)
			return NULL;
		ch->next = a->chunks;
		a->chunks = ch;
		a->p = (char *)ch->data;
		a->left = size;
		/* grow geometrically so a big report needs few chunks */
		if (a->next_size < ARENA_CHUNK_MAX)
			a->next_size *= 2;
	}
	ret = a->p;
	a->p += n;
	a->left -= n;
	return ret;
}

/* tr_arena_strndup - NUL-terminated copy of n bytes, or NULL */
char *
tr_arena_strndup(struct tr_arena *a, const char *s, size_t n)
{
	char *d;

	if (n == SIZE_MAX || (d = tr_arena_alloc(a, n + 1)) == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* tr_arena_free - release the overflow chunks (not the first block) */
void
tr_arena_free(struct tr_arena *a)
{
	struct tr_arena_chunk *ch, *next;

	for (ch = a->chunks; ch != NULL; ch = next) {
		next = ch->next;
		free(ch);
	}
	a->chunks = NULL;
	a->left = 0;
}
