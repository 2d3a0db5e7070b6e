// The system libcurl built against OpenSSL (Debian: libcurl4-openssl-dev).
//
// curl_easy_setopt and curl_easy_getinfo are variadic, and Swift cannot call C variadic
// functions: these typed static-inline wrappers fix the argument type per option kind. They can
// go once Swift imports variadic C functions.
#ifndef AMLAUTH_CCURL_SHIM_H
#define AMLAUTH_CCURL_SHIM_H

#include <curl/curl.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

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

// One CA store for every connection of a transport. OpenSSL 3 takes milliseconds of CPU to parse a
// CA bundle, and libcurl parses it again for each new connection when the CAs come as a blob
// (CURLOPT_CAINFO_BLOB is never cached; CURLOPT_CA_CACHE_TIMEOUT caches a file per multi handle,
// that is per easy handle with curl_easy_perform). Parsed once here, the store is handed to each
// connection's SSL_CTX by reference (X509_STORE is reference-counted and locked by OpenSSL).
static inline void *CCurl_ca_store_new(const char *pem, size_t length) {
    X509_STORE *store = X509_STORE_new();
    if (!store) return NULL;
    BIO *bio = BIO_new_mem_buf(pem, (int)length);
    STACK_OF(X509_INFO) *infos = bio ? PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    int added = 0;
    for (int index = 0; infos && index < sk_X509_INFO_num(infos); index++) {
        X509_INFO *info = sk_X509_INFO_value(infos, index);
        if (info->x509 && X509_STORE_add_cert(store, info->x509)) added++;
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    if (!added) {
        X509_STORE_free(store);
        return NULL;
    }
    return store;
}

static inline void CCurl_ca_store_free(void *store) { X509_STORE_free((X509_STORE *)store); }

static inline CURLcode CCurl_install_ca_store(CURL *handle, void *ssl_ctx, void *store) {
    (void)handle;
    if (!X509_STORE_up_ref((X509_STORE *)store)) return CURLE_OUT_OF_MEMORY;
    SSL_CTX_set_cert_store((SSL_CTX *)ssl_ctx, (X509_STORE *)store);
    return CURLE_OK;
}

// Trust exactly `store`: libcurl loads no CA file or directory of its own, and each new
// connection's SSL_CTX gets the shared store.
static inline CURLcode CCurl_setopt_ca_store(CURL *handle, void *store) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_CAINFO, (char *)NULL);
    if (code == CURLE_OK) code = curl_easy_setopt(handle, CURLOPT_CAPATH, (char *)NULL);
    if (code == CURLE_OK) code = curl_easy_setopt(handle, CURLOPT_SSL_CTX_FUNCTION, CCurl_install_ca_store);
    if (code == CURLE_OK) code = curl_easy_setopt(handle, CURLOPT_SSL_CTX_DATA, store);
    return code;
}

#endif
