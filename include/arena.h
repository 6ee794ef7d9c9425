/* arena.h - a bump allocator: one report's strings and structures, freed
 * at once with the report */
#ifndef TR_ARENA_H
#define TR_ARENA_H

#include <stddef.h>

/* Bump allocator for everything a report owns besides the json-c tree. */
struct tr_arena_chunk;
struct tr_arena {
	char *p;			/* next free byte */
	size_t left;
	struct tr_arena_chunk *chunks;	/* malloc'ed overflow, freed at once */
	size_t next_size;
};

/* tr_arena_init - start an arena on a caller-provided first block */
void tr_arena_init(struct tr_arena *a, void *block, size_t size);

/* tr_arena_alloc - n bytes aligned for any type, or NULL when out of memory */
void *tr_arena_alloc(struct tr_arena *a, size_t n);

/* tr_arena_strndup - NUL-terminated copy of n bytes, or NULL */
char *tr_arena_strndup(struct tr_arena *a, const char *s, size_t n);

/* tr_arena_free - release the overflow chunks (not the first block) */
void tr_arena_free(struct tr_arena *a);

#endif
