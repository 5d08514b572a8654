// SPDX-License-Identifier: MIT
#include "SessionPassword.h"

#include <QCryptographicHash>
#include <QFile>

namespace Optiverse::Collab {

namespace {
// A password file is one short line; refuse to slurp a wrongly named large file.
constexpr qint64 MaxPasswordFileBytes = 4096;
} // namespace

bool SessionPassword::readFile(const QString &path, QString *password, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read password file \"%1\": %2").arg(path, file.errorString());
        return false;
    }
    QByteArray line = file.read(MaxPasswordFileBytes);
    if (const qsizetype nl = line.indexOf('\n'); nl >= 0)
        line.truncate(nl);
    if (line.endsWith('\r'))
        line.chop(1);
    if (line.isEmpty()) {
        *error = QStringLiteral("password file \"%1\" is empty: its first line must hold the password").arg(path);
        return false;
    }
    *password = QString::fromUtf8(line);
    return true;
}

QByteArray SessionPassword::toHeader(const QString &password)
{
    return password.toUtf8().toPercentEncoding();
}

bool SessionPassword::matches(const QString &expected, const QByteArray &headerValue)
{
    // Compare digests, not the texts: equal length whatever was sent, and
    // every byte is looked at, so timing says nothing about the password.
    const QByteArray a = QCryptographicHash::hash(expected.toUtf8(), QCryptographicHash::Sha256);
    const QByteArray b = QCryptographicHash::hash(QByteArray::fromPercentEncoding(headerValue), QCryptographicHash::Sha256);
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a.at(i) ^ b.at(i));
    return diff == 0;
}

} // namespace Optiverse::Collab
