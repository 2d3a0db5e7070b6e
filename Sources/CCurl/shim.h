// The system libcurl built against OpenSSL (Debian: libcurl4-openssl-dev).
//
// curl_easy_setopt and curl_easy_getinfo are variadic, and Swift cannot call C variadic
// functions: these typed static-inline wrappers fix the argument type per option kind. They can
// go once Swift imports variadic C functions.
#ifndef AMLAUTH_CCURL_SHIM_H
#define AMLAUTH_CCURL_SHIM_H

#include <curl/curl.h>

static inline CURLcode CCurl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode CCurl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode CCurl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode CCurl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode CCurl_setopt_blob(CURL *handle, CURLoption option, struct curl_blob *value) {
    return curl_easy_setopt(handle, option, value);
}

// A parsed URL handle (curl_url) as the transfer's URL, so the transfer connects to exactly what
// amlauth checked; NULL unsets it.
static inline CURLcode CCurl_setopt_curlu(CURL *handle, CURLU *url) {
    return curl_easy_setopt(handle, CURLOPT_CURLU, url);
}

typedef size_t (*CCurl_write_callback)(char *data, size_t size, size_t count, void *context);
static inline CURLcode CCurl_setopt_write_function(CURL *handle, CURLoption option, CCurl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

typedef int (*CCurl_xferinfo_callback)(void *context, curl_off_t download_total, curl_off_t downloaded, curl_off_t upload_total, curl_off_t uploaded);
static inline CURLcode CCurl_setopt_xferinfo_function(CURL *handle, CCurl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

static inline CURLcode CCurl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode CCurl_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
