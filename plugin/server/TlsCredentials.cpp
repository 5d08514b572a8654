// SPDX-License-Identifier: MIT
#include "TlsCredentials.h"

#include "CertificateFingerprint.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>

namespace Optiverse::Collab {

namespace {
bool readSmallFile(const QString &path, const QString &what, QByteArray *data, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1 \"%2\": %3").arg(what, path, file.errorString());
        return false;
    }
    *data = file.read(1024 * 1024);
    return true;
}
} // namespace

bool TlsCredentials::load(const QString &certFile, const QString &keyFile, QList<QSslCertificate> *chain,
                          QSslKey *key, QString *error)
{
    QByteArray pem;
    if (!readSmallFile(certFile, QStringLiteral("certificate file"), &pem, error))
        return false;
    const QList<QSslCertificate> certs = QSslCertificate::fromData(pem, QSsl::Pem);
    if (certs.isEmpty() || certs.constFirst().isNull()) {
        *error = QStringLiteral("no PEM certificate (-----BEGIN CERTIFICATE-----) in \"%1\"").arg(certFile);
        return false;
    }
    const QSslCertificate &leaf = certs.constFirst();
    if (leaf.expiryDate() < QDateTime::currentDateTimeUtc()) {
        *error = QStringLiteral("the certificate in \"%1\" expired on %2")
                     .arg(certFile, leaf.expiryDate().toString(Qt::ISODate));
        return false;
    }

    if (!readSmallFile(keyFile, QStringLiteral("key file"), &pem, error))
        return false;
    if (pem.contains("ENCRYPTED")) {
        *error = QStringLiteral("the private key in \"%1\" is encrypted; give an unencrypted key "
                                "(e.g. openssl pkey -in KEY -out plain.key) and protect the file instead")
                     .arg(keyFile);
        return false;
    }
    QSslKey k;
    for (const QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa}) {
        k = QSslKey(pem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!k.isNull())
            break;
    }
    if (k.isNull()) {
        *error = QStringLiteral("no PEM private key (RSA or EC) in \"%1\"").arg(keyFile);
        return false;
    }
    // Qt cannot tell whether the key belongs to the certificate; at least the
    // algorithm and size must agree, or every handshake would fail.
    const QSslKey pub = leaf.publicKey();
    if (pub.algorithm() != k.algorithm() || pub.length() != k.length()) {
        *error = QStringLiteral("the key in \"%1\" does not belong to the certificate in \"%2\"").arg(keyFile, certFile);
        return false;
    }
    *chain = certs;
    *key = k;
    return true;
}

QString TlsCredentials::fingerprint(const QSslCertificate &certificate)
{
    return CertificateFingerprint::format(certificate.digest(QCryptographicHash::Sha256));
}

} // namespace Optiverse::Collab
