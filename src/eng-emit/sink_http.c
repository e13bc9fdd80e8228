/* sink_http: http:// and https:// sinks, POST JSON with libcurl's multi
 * interface.
 *
 * A batch of items is delivered with a bounded window of transfers in
 * flight (the channel's `concurrency`, 16 by default), on easy handles that
 * are kept between batches, so connections stay alive (HTTP/1.1 keep-alive,
 * libcurl's connection cache) and a slow receiver slows the tool down
 * instead of making it buffer: the input is not read while a batch waits.
 *
 *   attempt(it): POST it->msg, headers Content-Type, Idempotency-Key: <id>,
 *                the channel's headers; per-attempt timeout
 *   2xx           sent
 *   429, 5xx,     retried while attempts <= retries, after
 *   timeout,        backoff * 2^(attempt-1) + jitter (0 .. backoff/2),
 *   no connection   or Retry-After (seconds, capped at 60 s) on a 429
 *   other 4xx     failed at once (retrying cannot help)
 * Header values are never put in receipts or messages: errors name the HTTP
 * status or libcurl's error only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "sinks.h"

#define WINDOW_MAX 256

struct http_sink {
    CURLM *multi;
    CURL *pool[WINDOW_MAX];
    size_t npool;
    unsigned rng;
    int inited;
};

struct xfer {
    CURL *h;
    struct item *it;
    struct curl_slist *hdrs;
    long retry_after;          /* seconds from a 429's Retry-After */
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct http_sink *http_new(void)
{
    struct http_sink *h = calloc(1, sizeof *h);
    if (!h)
        abort();
    h->rng = 0x9e3779b9u;
    return h;
}

void http_free(struct http_sink *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->npool; i++)
        curl_easy_cleanup(h->pool[i]);
    if (h->multi)
        curl_multi_cleanup(h->multi);
    if (h->inited)
        curl_global_cleanup();
    free(h);
}

static size_t discard(char *p, size_t sz, size_t n, void *u)
{
    (void)p;
    (void)u;
    return sz * n;
}

static size_t header_cb(char *p, size_t sz, size_t n, void *u)
{
    struct xfer *x = u;
    size_t len = sz * n;
    if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0)
        x->retry_after = strtol(p + 12, NULL, 10);
    return len;
}

static CURL *take(struct http_sink *h)
{
    if (h->npool)
        return h->pool[--h->npool];
    CURL *c = curl_easy_init();
    if (!c)
        abort();
    return c;
}

static void give(struct http_sink *h, CURL *c)
{
    if (h->npool < WINDOW_MAX)
        h->pool[h->npool++] = c;
    else
        curl_easy_cleanup(c);
}

static void start(struct http_sink *h, struct xfer *x, struct item *it)
{
    const struct emit_channel *ch = it->ch;
    char buf[1200];
    x->it = it;
    x->retry_after = 0;
    x->h = take(h);
    CURL *c = x->h;
    curl_easy_reset(c);
    x->hdrs = curl_slist_append(NULL, it->msg_is_text
                                ? "Content-Type: text/plain; charset=utf-8"
                                : "Content-Type: application/json");
    snprintf(buf, sizeof buf, "Idempotency-Key: %.1000s", it->id);
    x->hdrs = curl_slist_append(x->hdrs, buf);
    x->hdrs = curl_slist_append(x->hdrs, "Expect:");
    for (size_t i = 0; i < ch->nheaders; i++) {
        size_t n = strlen(ch->headers[i].name) + strlen(ch->headers[i].value) + 3;
        char *hv = malloc(n);
        if (!hv)
            abort();
        snprintf(hv, n, "%s: %s", ch->headers[i].name, ch->headers[i].value);
        x->hdrs = curl_slist_append(x->hdrs, hv);
        memset(hv, 0, n);
        free(hv);
    }
    curl_easy_setopt(c, CURLOPT_URL, ch->target);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, it->msg.data ? it->msg.data : "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)it->msg.len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->hdrs);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)ch->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)ch->timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(c, CURLOPT_PRIVATE, x);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "eng-emit/" ENG_VERSION_STRING);
    if (ch->insecure) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    it->attempts++;
    curl_multi_add_handle(h->multi, c);
}

static void set_err(struct item *it, const char *msg)
{
    free(it->error);
    if (!(it->error = strdup(msg)))
        abort();
}

void http_deliver(struct http_sink *h, struct item **v, size_t n)
{
    if (!h->inited) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        h->inited = 1;
        h->multi = curl_multi_init();
        curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)WINDOW_MAX);
    }
    int window = 1;
    for (size_t i = 0; i < n; i++) {
        v[i]->next_try_ms = 0;
        if (v[i]->ch->concurrency > window)
            window = v[i]->ch->concurrency;
    }
    if (window > WINDOW_MAX)
        window = WINDOW_MAX;
    struct xfer *xs = calloc((size_t)window, sizeof *xs);
    int *chbusy = calloc(256, sizeof *chbusy);   /* in flight per channel */
    if (!xs || !chbusy)
        abort();
    size_t done = 0, next = 0;
    int running = 0;
    while (done < n) {
        int64_t now = mono_ms(), wait = 1000;
        /* start what may start: the first not-started, due items */
        for (size_t i = next; i < n && running < window; i++) {
            struct item *it = v[i];
            if (it->status != ST_NONE || it->http_code == -1)
                continue;
            if (it->next_try_ms > now) {
                if (it->next_try_ms - now < wait)
                    wait = it->next_try_ms - now;
                continue;
            }
            int ci = it->ch->idx & 255;
            if (chbusy[ci] >= it->ch->concurrency)
                continue;
            int slot = 0;
            while (xs[slot].it)
                slot++;
            it->http_code = -1;   /* in flight */
            start(h, &xs[slot], it);
            chbusy[ci]++;
            running++;
        }
        while (next < n && v[next]->status != ST_NONE)
            next++;
        int still;
        curl_multi_perform(h->multi, &still);
        CURLMsg *m;
        int left, finished = 0;
        while ((m = curl_multi_info_read(h->multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            finished++;
            struct xfer *x;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
            struct item *it = x->it;
            long code = 0;
            curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            CURLcode res = m->data.result;
            curl_multi_remove_handle(h->multi, m->easy_handle);
            give(h, m->easy_handle);
            curl_slist_free_all(x->hdrs);
            long retry_after = x->retry_after;
            memset(x, 0, sizeof *x);
            running--;
            chbusy[it->ch->idx & 255]--;
            it->http_code = code;
            char msg[300];
            int retry = 0;
            if (res == CURLE_OK && code >= 200 && code < 300) {
                it->status = ST_SENT;
                free(it->error);
                it->error = NULL;
            } else {
                if (res == CURLE_UNSUPPORTED_PROTOCOL && code == 0) {
                    /* curl's word for an answer that is not HTTP at all
                     * (HTTP/0.9 is off): say so (a retryable failure) */
                    snprintf(msg, sizeof msg, "the answer is not HTTP");
                    retry = 1;
                } else if (res != CURLE_OK) {
                    snprintf(msg, sizeof msg, "%s", curl_easy_strerror(res));
                    retry = 1;
                } else {
                    snprintf(msg, sizeof msg, "HTTP %ld", code);
                    retry = code == 429 || code >= 500;
                }
                set_err(it, msg);
                if (retry && it->attempts <= it->ch->retries) {
                    int64_t b = it->ch->backoff_ms << (it->attempts - 1);
                    h->rng = h->rng * 1103515245u + 12345u;
                    b += it->ch->backoff_ms > 1
                         ? (int64_t)((h->rng >> 8) % (unsigned)(it->ch->backoff_ms / 2 + 1))
                         : 0;
                    if (code == 429 && retry_after > 0)
                        b = (retry_after > 60 ? 60 : retry_after) * 1000;
                    it->next_try_ms = mono_ms() + b;
                    it->http_code = 0;
                } else {
                    it->status = ST_FAILED;
                }
            }
            if (it->status != ST_NONE)
                done++;
        }
        if (done >= n)
            break;
        /* A finished transfer freed a slot: fill it now rather than after
         * the next socket event or timeout, or a window of 1 would idle
         * for `wait` between every two requests. */
        if (finished)
            continue;
        if (running)
            curl_multi_poll(h->multi, NULL, 0, (int)(wait < 1 ? 1 : wait), NULL);
        else if (wait > 0) {
            struct timespec ts = {wait / 1000, (wait % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    free(xs);
    free(chbusy);
}
