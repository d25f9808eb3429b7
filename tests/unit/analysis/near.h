/* near.h: assert_near(a, b, eps) for cmocka 1.1, which has no double
 * assertion; prints both values when it fails. Include after cmocka.h. */
#ifndef VT_TEST_NEAR_H
#define VT_TEST_NEAR_H

#include <math.h>

#define assert_near(a, b, eps)                                                                     \
	do {                                                                                       \
		double near_a_ = (double)(a), near_b_ = (double)(b);                               \
		if (!(fabs(near_a_ - near_b_) <= (eps))) {                                         \
			print_error("%s = %.17g, expected %.17g (+-%g)\n", #a, near_a_, near_b_,   \
			            (double)(eps));                                                \
			fail();                                                                    \
		}                                                                                  \
	} while (0)

#endif
