// SPDX-License-Identifier: MIT
#include "CertificateFingerprint.h"

#include <algorithm>

namespace Optiverse::Collab {

QString CertificateFingerprint::format(const QByteArray &sha256)
{
    return QString::fromLatin1(sha256.toHex(':').toUpper());
}

bool CertificateFingerprint::parse(const QString &text, QByteArray *sha256, QString *error)
{
    QString hex = text.trimmed();
    if (const qsizetype eq = hex.lastIndexOf(QLatin1Char('=')); eq >= 0)
        hex = hex.mid(eq + 1);
    hex.remove(QLatin1Char(':'));
    hex.remove(QLatin1Char(' '));
    const bool allHex = std::all_of(hex.cbegin(), hex.cend(), [](QChar c) {
        const char l = c.toLower().toLatin1();
        return (l >= '0' && l <= '9') || (l >= 'a' && l <= 'f');
    });
    if (hex.size() != 64 || !allHex) {
        *error = QStringLiteral("a certificate fingerprint is a SHA-256 digest: 64 hex digits, e.g. AB:CD:…:EF "
                                "as optiverse-collab-server prints it");
        return false;
    }
    *sha256 = QByteArray::fromHex(hex.toLatin1());
    return true;
}

} // namespace Optiverse::Collab
