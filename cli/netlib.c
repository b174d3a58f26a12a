/*
 * netlib.c - libcurl and libmicrohttpd, loaded when a command first calls
 * them.
 *
 * Only conch run, serve, demo and proxy speak HTTP, yet linking the two
 * libraries made every process load them and the forty-odd libraries they
 * need (TLS, Kerberos, LDAP, IDN, ...): about 6 ms of a `conch check` of a
 * small file, five times what the check itself takes. So conch is not
 * linked with them: this file defines each function of theirs that
 * clients/, store/ and nemesis/ call, and the first call of one loads its
 * library with dlopen and looks up all of its functions at once
 * (pthread_once: the store calls from libmicrohttpd's threads). The code
 * that calls them is unchanged, and a library that cannot be loaded is an
 * error of the command that needs it, exit 2, not of every command.
 *
 * A function clients/, store/ or nemesis/ starts to call must be added
 * here, to one of the lists below: the link of conch says which one is
 * missing. The unit tests and fuzz harnesses link the libraries as usual;
 * these definitions come first there too, and load the same library.
 *
 * Variadic functions cannot pass their arguments on as such: the setopt
 * functions read the one argument as the option's number says its type is
 * (curl.h's CURLOPTTYPE_*), getinfo's is always a pointer, and
 * MHD_start_daemon goes to MHD_start_daemon_va.
 */
#define CURL_DISABLE_TYPECHECK 1 /* its macros would rename what is defined here */
#include <curl/curl.h>
#include <dlfcn.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sonames.h" /* NETLIB_CURL, NETLIB_MHD: the libraries' sonames, from the build */

/* Functions with a result: (type, name, parameters, arguments). */
#define CURL_FNS(X)                                                                           \
    X(CURLcode, curl_global_init, (long flags), (flags))                                      \
    X(CURL *, curl_easy_init, (void), ())                                                     \
    X(CURLcode, curl_easy_perform, (CURL * h), (h))                                           \
    X(const char *, curl_easy_strerror, (CURLcode c), (c))                                    \
    X(CURLM *, curl_multi_init, (void), ())                                                   \
    X(CURLMcode, curl_multi_cleanup, (CURLM * m), (m))                                        \
    X(CURLMcode, curl_multi_add_handle, (CURLM * m, CURL *h), (m, h))                         \
    X(CURLMcode, curl_multi_remove_handle, (CURLM * m, CURL *h), (m, h))                      \
    X(CURLMsg *, curl_multi_info_read, (CURLM * m, int *left), (m, left))                     \
    X(CURLMcode, curl_multi_socket_action, (CURLM * m, curl_socket_t s, int ev, int *running), \
      (m, s, ev, running))                                                                    \
    X(struct curl_slist *, curl_slist_append, (struct curl_slist * l, const char *s), (l, s))
/* Functions without one. */
#define CURL_VOID_FNS(X)                                                                      \
    X(curl_global_cleanup, (void), ())                                                        \
    X(curl_easy_cleanup, (CURL * h), (h))                                                     \
    X(curl_slist_free_all, (struct curl_slist * l), (l))
/* The variadic ones, as the library defines them. */
#define CURL_VA_FNS(X)                                                                        \
    X(CURLcode, curl_easy_setopt, (CURL *, CURLoption, ...))                                  \
    X(CURLMcode, curl_multi_setopt, (CURLM *, CURLMoption, ...))                              \
    X(CURLcode, curl_easy_getinfo, (CURL *, CURLINFO, ...))

#define MHD_FNS(X)                                                                            \
    X(struct MHD_Response *, MHD_create_response_from_buffer,                                 \
      (size_t size, void *buffer, enum MHD_ResponseMemoryMode mode), (size, buffer, mode))     \
    X(enum MHD_Result, MHD_add_response_header,                                               \
      (struct MHD_Response * r, const char *header, const char *content), (r, header, content)) \
    X(const char *, MHD_lookup_connection_value,                                              \
      (struct MHD_Connection * c, enum MHD_ValueKind kind, const char *key), (c, kind, key))   \
    X(enum MHD_Result, MHD_queue_response,                                                    \
      (struct MHD_Connection * c, unsigned int status, struct MHD_Response *r), (c, status, r)) \
    X(struct MHD_Daemon *, MHD_start_daemon_va,                                               \
      (unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls,         \
       MHD_AccessHandlerCallback dh, void *dh_cls, va_list ap),                               \
      (flags, port, apc, apc_cls, dh, dh_cls, ap))
#define MHD_VOID_FNS(X)                                                                       \
    X(MHD_destroy_response, (struct MHD_Response * r), (r))                                   \
    X(MHD_stop_daemon, (struct MHD_Daemon * d), (d))
#define MHD_VA_FNS(X)                                                                         \
    X(const union MHD_ConnectionInfo *, MHD_get_connection_info,                              \
      (struct MHD_Connection *, enum MHD_ConnectionInfoType, ...))

#define POINTER(type, name, params, args) type(*name) params;
#define VOID_POINTER(name, params, args) void(*name) params;
#define VA_POINTER(type, name, params) type(*name) params;

static struct {
    CURL_FNS(POINTER) CURL_VOID_FNS(VOID_POINTER) CURL_VA_FNS(VA_POINTER)
} curl;
static struct {
    MHD_FNS(POINTER) MHD_VOID_FNS(VOID_POINTER) MHD_VA_FNS(VA_POINTER)
} mhd;

/* Load soname and look up each name, or end conch: a command that needs a
 * library that is not there can do nothing else. */
static void *load(const char *soname, const char *what)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "conch: cannot load %s, which %s needs: %s\n", soname, what, dlerror());
        exit(2);
    }
    return h;
}

static void *sym(void *h, const char *soname, const char *name)
{
    void *f = dlsym(h, name);
    if (!f) {
        fprintf(stderr, "conch: %s has no function %s: %s\n", soname, name, dlerror());
        exit(2);
    }
    return f;
}

#define LOOKUP(type, name, params, args) lib.name = (type(*) params)sym(h, SONAME, #name);
#define VOID_LOOKUP(name, params, args) lib.name = (void(*) params)sym(h, SONAME, #name);
#define VA_LOOKUP(type, name, params) lib.name = (type(*) params)sym(h, SONAME, #name);

static pthread_once_t curl_once = PTHREAD_ONCE_INIT, mhd_once = PTHREAD_ONCE_INIT;

static void curl_load(void)
{
#define lib curl
#define SONAME NETLIB_CURL
    void *h = load(SONAME, "conch run (HTTP clients)");
    CURL_FNS(LOOKUP) CURL_VOID_FNS(VOID_LOOKUP) CURL_VA_FNS(VA_LOOKUP)
#undef lib
#undef SONAME
}

static void mhd_load(void)
{
#define lib mhd
#define SONAME NETLIB_MHD
    void *h = load(SONAME, "conch serve (the HTTP server)");
    MHD_FNS(LOOKUP) MHD_VOID_FNS(VOID_LOOKUP) MHD_VA_FNS(VA_LOOKUP)
#undef lib
#undef SONAME
}

/* A function of library lib (curl, mhd): load it once, then call. */
#define STUB(lib, type, name, params, args)                                                  \
    type name params                                                                          \
    {                                                                                         \
        pthread_once(&lib##_once, lib##_load);                                                \
        return lib.name args;                                                                 \
    }
#define VOID_STUB(lib, name, params, args)                                                   \
    void name params                                                                          \
    {                                                                                         \
        pthread_once(&lib##_once, lib##_load);                                                \
        lib.name args;                                                                        \
    }
#define CURL_STUB(type, name, params, args) STUB(curl, type, name, params, args)
#define CURL_VOID_STUB(name, params, args) VOID_STUB(curl, name, params, args)
#define MHD_STUB(type, name, params, args) STUB(mhd, type, name, params, args)
#define MHD_VOID_STUB(name, params, args) VOID_STUB(mhd, name, params, args)

CURL_FNS(CURL_STUB)
CURL_VOID_FNS(CURL_VOID_STUB)
MHD_FNS(MHD_STUB)
MHD_VOID_FNS(MHD_VOID_STUB)

/* The option's argument, read as the type its number says (curl.h). */
#define SETOPT(fn, handle, option)                                                            \
    do {                                                                                      \
        va_list ap;                                                                           \
        va_start(ap, option);                                                                 \
        pthread_once(&curl_once, curl_load);                                                  \
        int kind = (int)(option) / 10000 * 10000;                                             \
        if (kind == CURLOPTTYPE_LONG)                                                         \
            rc = curl.fn(handle, option, va_arg(ap, long));                                   \
        else if (kind == CURLOPTTYPE_FUNCTIONPOINT)                                           \
            rc = curl.fn(handle, option, va_arg(ap, void (*)(void)));                         \
        else if (kind == CURLOPTTYPE_OFF_T)                                                   \
            rc = curl.fn(handle, option, va_arg(ap, curl_off_t));                             \
        else                                                                                  \
            rc = curl.fn(handle, option, va_arg(ap, void *));                                 \
        va_end(ap);                                                                           \
    } while (0)

CURLcode curl_easy_setopt(CURL *h, CURLoption option, ...)
{
    CURLcode rc;
    SETOPT(curl_easy_setopt, h, option);
    return rc;
}

CURLMcode curl_multi_setopt(CURLM *m, CURLMoption option, ...)
{
    CURLMcode rc;
    SETOPT(curl_multi_setopt, m, option);
    return rc;
}

/* Every CURLINFO takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
    va_list ap;
    va_start(ap, info);
    pthread_once(&curl_once, curl_load);
    CURLcode rc = curl.curl_easy_getinfo(h, info, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port,
                                    MHD_AcceptPolicyCallback apc, void *apc_cls,
                                    MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
    va_list ap;
    va_start(ap, dh_cls);
    struct MHD_Daemon *d = MHD_start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
    va_end(ap);
    return d;
}

/* The kinds of information conch asks for take no further argument. */
const union MHD_ConnectionInfo *MHD_get_connection_info(struct MHD_Connection *c,
                                                        enum MHD_ConnectionInfoType kind, ...)
{
    pthread_once(&mhd_once, mhd_load);
    return mhd.MHD_get_connection_info(c, kind);
}
