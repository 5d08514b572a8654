// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QSslCertificate>
#include <QSslKey>
#include <QString>

namespace Optiverse::Collab {

/// Loads the server's certificate and key from PEM files, with errors that
/// name the file and what is wrong with it.
class TlsCredentials
{
public:
    /// @p certFile: PEM, the server certificate first, then any intermediates.
    /// @p keyFile: unencrypted PEM private key (RSA or EC) of that certificate.
    static bool load(const QString &certFile, const QString &keyFile, QList<QSslCertificate> *chain, QSslKey *key,
                     QString *error);
    /// SHA-256 fingerprint "AB:CD:…" of @p certificate, as clients pin it.
    static QString fingerprint(const QSslCertificate &certificate);
};

} // namespace Optiverse::Collab
