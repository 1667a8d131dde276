#define _POSIX_C_SOURCE 200809L
/* bench_http_curl URL BODYFILE N [CAFILE]: the libcurl twin of bench_http.c — one reused easy handle
   (keep-alive), the same body and headers that matter (POST, Content-Type: application/json), the
   response collected into a buffer, tuned as a careful user would (TCP_NODELAY, NOSIGNAL).
   Prints calls/s and CPU time per call. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

static double cpu_us(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static double wall_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static char resp[65536];
static size_t resp_len;

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud) {
    size_t n = size * nmemb;
    (void)ud;
    if (resp_len + n > sizeof resp) return 0;
    memcpy(resp + resp_len, p, n);
    resp_len += n;
    return n;
}

int main(int argc, char **argv) {
    static char body[65536];
    char url[512];
    struct curl_slist *hdr = NULL;
    CURL *h;
    size_t len;
    long i, n, status = 0, conns = 0, total_conns = 0;
    double w0 = 0, c0 = 0, w1, c1;
    FILE *f;
    if (argc < 4) { fprintf(stderr, "usage: bench_http_curl URL BODYFILE N [CAFILE]\n"); return 2; }
    if (!(f = fopen(argv[2], "rb"))) { perror(argv[2]); return 2; }
    len = fread(body, 1, sizeof body, f);
    fclose(f);
    n = atol(argv[3]);
    snprintf(url, sizeof url, "%s/bot123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi/sendMessage", argv[1]);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    h = curl_easy_init();
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    hdr = curl_slist_append(hdr, "Accept: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);   /* no SIGPIPE/SIGALRM juggling per call: curl at its fastest */
    if (argc > 4) curl_easy_setopt(h, CURLOPT_CAINFO, argv[4]);
    for (i = -1; i < n; i++) {
        CURLcode r;
        if (i == 0) { w0 = wall_us(); c0 = cpu_us(); }   /* call -1 opens the connection */
        resp_len = 0;
        r = curl_easy_perform(h);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &conns);
        if (i >= 0) total_conns += conns;
        if (r != CURLE_OK || status != 200 || resp_len < 300) {
            fprintf(stderr, "bench_http_curl: call %ld: %s (status %ld)\n", i, curl_easy_strerror(r), status);
            return 1;
        }
    }
    w1 = wall_us(); c1 = cpu_us();
    if (total_conns) { fprintf(stderr, "bench_http_curl: the connection was not kept alive\n"); return 1; }
    printf("calls_per_s %.1f cpu_us_per_call %.2f\n", (double)n * 1e6 / (w1 - w0), (c1 - c0) / (double)n);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    curl_global_cleanup();
    return 0;
}
