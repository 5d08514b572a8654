// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QWebSocketServer>

class QWebSocket;

/**
 * The original Optiverse collaboration server (tools/collaboration_server.py)
 * as it behaves on the wire, written from the documented facts, defects
 * included, so that tests show what our client does against it:
 *
 * - path /ws/<session>/<user>, else close 1008 "Invalid path";
 * - connections are kept by user id across all sessions (a second "bob"
 *   replaces the first) and every relay goes to every connection: sessions
 *   leak into each other;
 * - the first member of a session is its host, for good (never handed on);
 * - a joiner gets connection:ack {session_id, user_id, is_host, users}, then,
 *   if not the first, the stored state with "from_server": true; every other
 *   connection gets user:joined;
 * - the stored state is only what the host pushes (sync:full_state); any
 *   sync:full_state is relayed verbatim to every other connection;
 * - sync:request is answered with the stored state and
 *   "conflict_resolution": "host_wins"; commands are relayed verbatim to
 *   every other connection; ping gets pong; no limits, no validation.
 */
class OriginalServer : public QObject
{
    Q_OBJECT
public:
    explicit OriginalServer(QObject *parent = nullptr);
    ~OriginalServer() override;
    bool listen();
    quint16 port() const { return m_server.serverPort(); }
    /// The state stored for @p session (what late joiners get).
    QJsonObject storedState(const QString &session) const { return m_sessions.value(session).state; }

private:
    struct Session
    {
        QJsonObject state;
        QString host;
    };
    void onNewConnection();
    void onText(QWebSocket *socket, const QString &session, const QString &user, const QString &text);
    void sendToOthers(const QString &user, const QString &text);

    QWebSocketServer m_server;
    QHash<QString, QWebSocket *> m_connections; // by user id, across sessions
    QHash<QString, Session> m_sessions;
};
