/* ask.c - see ask.h. */
#include "ask.h"

#include <curl/curl.h>
#include <string.h>

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    sbuf *b = ctx;
    size_t len = size * n;
    if (b->len + len > ASK_MAX_BODY)
        return 0; /* stops the transfer: an error */
    sbuf_addn(b, p, len);
    return len;
}

bool ask_http(const ask_opts *o, const char *method, const char *url, const char *body,
              long timeout_ms, long *status, sbuf *resp, sbuf *why)
{
    CURL *h = curl_easy_init();
    if (!h) {
        sbuf_adds(why, "libcurl: cannot make a handle");
        return false;
    }
    char err[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdrs = NULL;
    for (size_t i = 0; o && i < o->nheaders; i++)
        hdrs = curl_slist_append(hdrs, o->headers[i]);
    if (body)
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else if (!strcmp(method, "POST")) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROXY, ""); /* never a proxy from the environment */
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
    if (o && o->cacert)
        curl_easy_setopt(h, CURLOPT_CAINFO, o->cacert);
    if (o && o->cert) {
        curl_easy_setopt(h, CURLOPT_SSLCERT, o->cert);
        curl_easy_setopt(h, CURLOPT_SSLKEY, o->key);
    }
    if (o && o->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    else
        sbuf_adds(why, err[0] ? err : curl_easy_strerror(rc));
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    return rc == CURLE_OK;
}
