/* reload: SIGHUP handling for eng-match (reload.h). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "reload.h"
#include "state.h"

static volatile sig_atomic_t hup;
static const char *rules_path;

static void on_hup(int sig)
{
    (void)sig;
    hup = 1;
}

void reload_init(const char *path)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_hup;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    rules_path = path;
    sigaction(SIGHUP, &sa, NULL);
}

int reload_pending(void)
{
    return hup != 0;
}

void reload_rules(struct matcher *m)
{
    struct ruleset fresh;
    struct eng_error err;
    hup = 0;
    if (!rules_path || !m->rs)
        return;
    if (rules_load(rules_path, &fresh, &err) < 0) {
        eng_warn("SIGHUP: %s; keeping the old rules", err.msg);
        return;
    }
    if (matcher_swap_rules(m, &fresh, &err) < 0) {
        eng_warn("SIGHUP: %s; keeping the old rules", err.msg);
        rules_free(&fresh);
        return;
    }
    eng_warn("SIGHUP: %s: %zu rule%s loaded", rules_path, m->rs->n,
             m->rs->n == 1 ? "" : "s");
}

int64_t reload_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
