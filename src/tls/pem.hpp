// Server keys and certificates from PEM files into an SSL_CTX, with errors that name the
// file: a key/certificate pair (smtpd_tls_cert_file + smtpd_tls_key_file, the same file
// allowed), and Postfix 3.4 chain files (smtpd_tls_chain_files: each private key followed
// by its certificate and the issuer chain, several such groups per file allowed). Each
// key type gets its own slot, so RSA and ECDSA both load and OpenSSL serves the one the
// client's signature algorithms prefer.
#pragma once
#include <openssl/ssl.h>

#include <string>

#include "base/result.hpp"

namespace tern::tls {

Status use_key_pair(SSL_CTX* ctx, const std::string& cert_file, const std::string& key_file);
Status use_chain_file(SSL_CTX* ctx, const std::string& file);

}  // namespace tern::tls
