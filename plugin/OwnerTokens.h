// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QUrl>

namespace Optiverse::Collab {

/**
 * The owner tokens this user was given, kept in the application's settings
 * (QSettings) per server URL, session and name (two windows of one computer
 * share the settings, and each is its own member), so that the owner of a session is
 * its owner again after a reconnect, a restart of the application, or of the
 * server (with --data-dir). A token is a secret: it is only ever sent in the
 * handshake to the server that gave it.
 */
class OwnerTokens
{
public:
    /// The token of @p name in @p session on @p server; empty when none.
    static QString load(const QUrl &server, const QString &session, const QString &name);
    /// Remembers @p token; an empty one forgets the token, but only while
    /// the stored one is @p previous (another window of the same application
    /// may have stored a newer one meanwhile).
    static void store(const QUrl &server, const QString &session, const QString &name, const QString &token,
                      const QString &previous = {});

private:
    static QString key(const QUrl &server, const QString &session, const QString &name);
};

} // namespace Optiverse::Collab
