/* The Chase-Lev deque under contention: one owner pushing and taking, and
 * several thieves stealing, millions of times. Every job must be taken
 * exactly once: none lost, none run twice. Run under TSan in CI. */
#include <pthread.h>
#include <stdatomic.h>

#include "check.h"
#include "sched/deque.h"

enum { THIEVES = 3 };

static long njobs = 2000000;
static par_job *jobs;
static atomic_uchar *seen;
static par__deque q;
static atomic_bool done;
static atomic_long stolen;

static void take_job(par_job *j)
{
        long id = (long)(j - jobs);
        atomic_fetch_add_explicit(&seen[id], 1, memory_order_relaxed);
}

static void *thief(void *arg)
{
        (void)arg;
        long mine = 0;
        while (!atomic_load_explicit(&done, memory_order_acquire)) {
                par_job *j = par__deque_steal(&q);
                if (j == PAR__DEQUE_EMPTY || j == PAR__DEQUE_ABORT)
                        continue;
                take_job(j);
                mine++;
        }
        /* Drain what is left after the owner stopped. */
        for (;;) {
                par_job *j = par__deque_steal(&q);
                if (j == PAR__DEQUE_ABORT)
                        continue;
                if (j == PAR__DEQUE_EMPTY)
                        break;
                take_job(j);
                mine++;
        }
        atomic_fetch_add(&stolen, mine);
        return NULL;
}

int main(int argc, char **argv)
{
        if (argc > 1)
                njobs = atol(argv[1]);
        jobs = calloc((size_t)njobs, sizeof *jobs);
        seen = calloc((size_t)njobs, sizeof *seen);
        CHECK(par__deque_init(&q, 4) == 0); /* tiny: forces many grows */
        pthread_t t[THIEVES];
        for (int i = 0; i < THIEVES; i++)
                pthread_create(&t[i], NULL, thief, NULL);
        long pushed = 0, taken = 0;
        uint64_t rng = 88172645463325252ull;
        while (pushed < njobs) {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                /* Bursts of pushes, then a few takes: the deque size swings
                 * between empty (the owner-thief race on the last job) and
                 * large (the grow path). */
                long burst = (long)(rng % 64) + 1;
                for (long k = 0; k < burst && pushed < njobs; k++)
                        CHECK(par__deque_push(&q, &jobs[pushed++]) == 0);
                long takes = (long)((rng >> 8) % 70);
                for (long k = 0; k < takes; k++) {
                        par_job *j = par__deque_take(&q);
                        if (!j)
                                break;
                        take_job(j);
                        taken++;
                }
        }
        for (;;) {
                par_job *j = par__deque_take(&q);
                if (!j)
                        break;
                take_job(j);
                taken++;
        }
        atomic_store_explicit(&done, true, memory_order_release);
        for (int i = 0; i < THIEVES; i++)
                pthread_join(t[i], NULL);
        long once = 0, twice = 0, never = 0;
        for (long i = 0; i < njobs; i++) {
                unsigned c = atomic_load(&seen[i]);
                once += c == 1;
                twice += c > 1;
                never += c == 0;
        }
        CHECK_MSG(once == njobs, "once %ld, more than once %ld, never %ld of %ld",
                  once, twice, never, njobs);
        CHECK(taken + atomic_load(&stolen) == njobs);
        printf("owner took %ld, thieves stole %ld\n", taken, atomic_load(&stolen));
        par__deque_destroy(&q);
        free(jobs);
        free(seen);
        return check_done("test_deque");
}
