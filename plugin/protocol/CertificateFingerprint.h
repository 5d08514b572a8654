// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

namespace Optiverse::Collab {

/**
 * SHA-256 certificate fingerprints as people exchange them: the server prints
 * "AB:CD:…" (as `openssl x509 -fingerprint -sha256` does) and clients pin it.
 */
class CertificateFingerprint
{
public:
    /// "AB:CD:…": 32 upper-case hex pairs separated by colons.
    static QString format(const QByteArray &sha256);

    /// Accepts 64 hex digits, with or without colons or spaces, any case,
    /// optionally prefixed as openssl prints it ("sha256 Fingerprint=").
    static bool parse(const QString &text, QByteArray *sha256, QString *error);
};

} // namespace Optiverse::Collab
