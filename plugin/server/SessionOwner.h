// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace Optiverse::Collab {

/**
 * Who owns a session: the member who created it, or whom the owner handed
 * it to. The owner proves it with a secret token the server gave only to
 * them; the server keeps only the token's SHA-256 (in memory, and in the
 * store with --data-dir), so neither its memory nor its data files can be
 * used to become the owner.
 */
class SessionOwner
{
public:
    /// False until someone owns the session.
    bool exists() const { return !m_tokenHash.isEmpty(); }
    /// The member who was given the token (informational: the token decides).
    QString userId() const { return m_userId; }
    /// Hex SHA-256 of the owner's token, as stored.
    QByteArray tokenHash() const { return m_tokenHash; }
    void set(const QString &userId, const QByteArray &tokenHash);
    /// True when @p token is the owner's (compared in constant time).
    bool isProvenBy(QByteArrayView token) const;

    /// A new secret token: 32 random bytes from the system's CSPRNG, base64url.
    static QString makeToken();
    /// Hex SHA-256 of @p token.
    static QByteArray hashOf(QByteArrayView token);

private:
    QString m_userId;
    QByteArray m_tokenHash;
};

} // namespace Optiverse::Collab
