// The system OpenSSL 3 (Debian: libssl-dev), for JWT signing and verification, digests, random
// bytes and the local cloud's certificates.
#ifndef AMLAUTH_COPENSSL_SHIM_H
#define AMLAUTH_COPENSSL_SHIM_H

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

// BIO_get_mem_data is a macro over BIO_ctrl with a char** cast; Swift cannot call macros.
static inline long COpenSSL_BIO_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}

#endif
