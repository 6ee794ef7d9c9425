/* test_arena.c - the bump allocator: aligned blocks from the first block,
 * then from chunks, every one freed at once */
#include <stdalign.h>

#include "testutil.h"

#include "arena.h"

/* test_first_block - small allocations come from the caller's block */
static void
test_first_block(void **state)
{
	max_align_t block[16];
	struct tr_arena a;
	char *p, *q;

	tr_arena_init(&a, block, sizeof(block));
	p = tr_arena_alloc(&a, 3);
	q = tr_arena_alloc(&a, 5);
	assert_ptr_equal(p, (char *)block);
	assert_int_equal((uintptr_t)q % alignof(max_align_t), 0);
	assert_true(q > p && q < (char *)block + sizeof(block));
	assert_null(a.chunks);
	tr_arena_free(&a);
}

/* test_chunks - past the block, chunks that grow; strndup copies */
static void
test_chunks(void **state)
{
	max_align_t block[2];
	struct tr_arena a;
	char *big, *s;
	size_t i;

	tr_arena_init(&a, block, sizeof(block));
	big = tr_arena_alloc(&a, 100000);
	assert_non_null(big);
	assert_non_null(a.chunks);
	memset(big, 'x', 100000);
	for (i = 0; i < 1000; i++)
		assert_non_null(tr_arena_alloc(&a, 100));
	s = tr_arena_strndup(&a, "report-id and more", 9);
	assert_string_equal(s, "report-id");
	assert_null(tr_arena_alloc(&a, SIZE_MAX - 4));
	assert_null(tr_arena_strndup(&a, "x", SIZE_MAX));
	tr_arena_free(&a);
	assert_null(a.chunks);
	assert_int_equal(a.left, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_block),
		cmocka_unit_test(test_chunks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
