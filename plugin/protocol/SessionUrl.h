// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QUrl>

namespace Optiverse::Collab {

/**
 * The endpoint of one participant: ws[s]://HOST:PORT/ws/<session_id>/<user_id>.
 *
 * Validates what users type (the dialog and --collab-connect) and what servers
 * receive (the request path), with messages that say what to fix.
 */
class SessionUrl
{
public:
    /// Checks a server URL as typed by a user ("ws://192.168.1.10:8765").
    /// Accepts ws:// and wss://, requires a host and an explicit port.
    static bool validateServerUrl(const QString &text, QUrl *out, QString *error);

    /// Checks what a user pastes or passes to --collab-connect: ws[s]://HOST:PORT,
    /// optionally followed by /ws/SESSION or /ws/SESSION/USER (as shareUrl()
    /// gives it). @p server gets HOST:PORT alone; @p session and @p user get the
    /// parts the URL carries (empty when it carries none).
    static bool parseJoinUrl(const QString &text, QUrl *server, QString *session, QString *user, QString *error);

    /// The URL to give others to join @p session on @p server (ws[s]://HOST:PORT):
    /// ws[s]://HOST:PORT/ws/SESSION (just the server when @p session is empty).
    static QString shareUrl(const QString &server, const QString &session);

    /// Checks a session id or user name: 1-64 characters, no '/' and no
    /// control characters.
    static bool validateName(const QString &name, const QString &what, QString *error);

    /// The full endpoint for @p server (as from validateServerUrl).
    static QUrl endpoint(const QUrl &server, const QString &session, const QString &user);

    /// Parses a request path "/ws/<session>/<user>" (percent-encoded parts).
    static bool parsePath(const QString &path, QString *session, QString *user, QString *error);
};

} // namespace Optiverse::Collab
