// SPDX-License-Identifier: MIT
#include "SessionOwner.h"

#include <QCryptographicHash>
#include <QRandomGenerator>

#include <array>

namespace Optiverse::Collab {

void SessionOwner::set(const QString &userId, const QByteArray &tokenHash)
{
    m_userId = userId;
    m_tokenHash = tokenHash;
}

bool SessionOwner::isProvenBy(QByteArrayView token) const
{
    if (!exists() || token.isEmpty())
        return false;
    // Every byte is looked at: how long the comparison takes says nothing
    // about how much of a guess was right.
    const QByteArray presented = hashOf(token);
    if (presented.size() != m_tokenHash.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < presented.size(); ++i)
        diff |= static_cast<unsigned char>(presented.at(i) ^ m_tokenHash.at(i));
    return diff == 0;
}

QString SessionOwner::makeToken()
{
    std::array<quint32, 8> words;
    QRandomGenerator::system()->fillRange(words.data(), words.size());
    const QByteArray bytes(reinterpret_cast<const char *>(words.data()), qsizetype(sizeof(words)));
    return QString::fromLatin1(bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QByteArray SessionOwner::hashOf(QByteArrayView token)
{
    return QCryptographicHash::hash(token, QCryptographicHash::Sha256).toHex();
}

} // namespace Optiverse::Collab
