/* An idle pool uses no CPU: after some work, its workers park. The CPU
 * time of every thread of this process, read from /proc, must barely move
 * while the pool sits idle. */
#include <dirent.h>
#include <time.h>

#include "check.h"
#include "par.h"

/* Nanoseconds on CPU of all threads of this process (schedstat's first
 * field), or -1 if /proc does not tell. */
static long long process_cpu_ns(void)
{
        DIR *d = opendir("/proc/self/task");
        if (!d)
                return -1;
        long long total = 0;
        struct dirent *e;
        while ((e = readdir(d))) {
                if (e->d_name[0] == '.')
                        continue;
                char path[300];
                snprintf(path, sizeof path, "/proc/self/task/%s/schedstat",
                         e->d_name);
                FILE *f = fopen(path, "r");
                if (!f)
                        continue;
                long long ns = 0;
                if (fscanf(f, "%lld", &ns) == 1)
                        total += ns;
                fclose(f);
        }
        closedir(d);
        return total;
}

static void busy(void *p, int64_t lo, int64_t hi)
{
        (void)p;
        volatile double x = 0;
        for (int64_t i = lo; i < hi; i++)
                x += (double)i * 1e-9;
}

static void sleep_ms(int ms)
{
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
        while (nanosleep(&ts, &ts) != 0)
                ;
}

int main(void)
{
        par_error err = {0};
        par_executor *ex = NULL;
        CHECK_OK(par_executor_new(&(par_executor_opts){.threads = 4}, &ex, &err),
                 &err);
        par_executor_for(ex, 0, 1000000, 1000, busy, NULL);
        sleep_ms(100); /* let the workers finish spinning and park */
        long long before = process_cpu_ns();
        sleep_ms(500);
        long long after = process_cpu_ns();
        if (before < 0 || after < 0) {
                printf("no /proc/self/task/*/schedstat here: skipped\n");
        } else {
                double used_ms = (double)(after - before) / 1e6;
                printf("CPU used by 4 idle workers over 500 ms: %.3f ms\n", used_ms);
                /* 4 workers x 500 ms = 2000 ms of capacity; 1% of one core
                 * allows for the test's own /proc reads. */
                CHECK_MSG(used_ms < 5.0, "idle pool used %.3f ms of CPU", used_ms);
        }
        /* And it still works after sleeping. */
        par_executor_for(ex, 0, 1000, 10, busy, NULL);
        par_executor_free(ex);
        return check_done("test_idle");
}
