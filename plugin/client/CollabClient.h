// SPDX-License-Identifier: MIT
#pragma once

#include "Message.h"

#include <QAbstractSocket>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QSslError>
#include <QStringList>
#include <QTimer>
#include <QUrl>
#include <QWebSocket>
#include <QWebSocketProtocol>

namespace Optiverse::Collab {

/**
 * The WebSocket connection of one participant: connect, heartbeat, automatic
 * reconnect with capped exponential backoff and jitter, and decoding of every
 * inbound frame through Message::parse.
 *
 * It knows nothing of scenes: SyncManager sits on top of it.
 */
class CollabClient : public QObject
{
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Connected, Reconnecting };
    Q_ENUM(State)

    struct User
    {
        QString id;
        QString displayName;
        bool isHost = false;
        int colorIndex = -1; ///< the server's colour slot; -1 if it gave none
        bool isOwner = false; ///< owns the session (our servers only)
    };

    /// Another session of the server with members, as its ack listed it.
    struct OtherSession
    {
        QString id;
        int users = 0;
    };

    explicit CollabClient(QObject *parent = nullptr);
    ~CollabClient() override;

    /// Connects to @p server (ws://HOST:PORT, as validated by SessionUrl) as
    /// @p name in @p session. Reconnects automatically until disconnectFromServer().
    void connectToServer(const QUrl &server, const QString &session, const QString &name);
    /// Closes the connection (1000) and stops reconnecting.
    void disconnectFromServer();
    /// While Reconnecting: tries at once instead of waiting for the backoff.
    void reconnectNow();
    /// Leaves the session for good and shows @p reason as the error: for
    /// problems a reconnect cannot fix (e.g. a canvas too large to share).
    void abandon(const QString &reason);

    /// Sends a text frame if connected; returns false (and drops it) otherwise.
    bool send(const QByteArray &message);

    State state() const { return m_state; }
    QUrl serverUrl() const { return m_server; }
    QString session() const { return m_session; }
    QString requestedName() const { return m_name; }
    /// The id the server assigned (differs from the name when it was taken).
    QString userId() const { return m_userId; }
    bool isHost() const { return m_isHost; }
    const QList<User> &users() const { return m_users; }
    /// The server's other sessions with members, most first, when this user
    /// joined a session nobody else was in (our servers only; empty otherwise).
    const QList<OtherSession> &otherSessions() const { return m_otherSessions; }
    /// True while this user owns the session (see ownerToken()).
    bool isOwner() const;
    /// The server keeps session owners (it listed the "owner" capability).
    bool serverKnowsOwners() const { return m_serverKnowsOwners; }
    /// The secret proving ownership of the session, sent in the handshake of
    /// every connection (a header, never the URL; never logged). Set it
    /// before connectToServer(); the server's new tokens replace it
    /// (ownerTokenChanged()).
    void setOwnerToken(const QString &token) { m_ownerToken = token; }
    QString ownerToken() const { return m_ownerToken; }
    /// Asks the server to make @p userId the owner (only the owner may).
    bool transferOwnership(const QString &userId);
    /// The colour slot of @p userId in this session: the one the server gave
    /// them (also after they left or we disconnected), else the slot their id
    /// prefers when the server hands out slots; -1 with original servers.
    int colorIndexOf(const QString &userId) const;
    /// True when the server stamps commands with "seq" and echoes ours (our server).
    bool serverSequences() const { return m_serverSequences; }
    /// The server's rate limit per connection (messages/s) and burst, as its
    /// last connection:ack advertised them; 0 when it did not (original servers).
    int serverMaxRate() const { return m_serverMaxRate; }
    int serverBurst() const { return m_serverBurst; }
    /// The largest message the server accepts from us (its max_message_bytes);
    /// 0 when it did not say.
    qint64 serverMaxMessageBytes() const { return m_serverMaxMessageBytes; }
    /// The largest sync:full_state the server accepts from a host
    /// (its max_state_bytes); 0 when it did not say.
    qint64 serverMaxStateBytes() const { return m_serverMaxStateBytes; }
    /// Seconds until the next reconnect attempt while Reconnecting.
    int reconnectInSeconds() const;
    /// Why the client is not connected: the error it gave up with
    /// (Disconnected), or why the last attempt failed (Connecting, Reconnecting).
    QString lastError() const { return m_lastError; }
    /// The server closed the connection with 1001 (it is stopping) and has
    /// not been reached since: reconnects are tried more slowly.
    bool serverStopped() const { return m_serverStopped; }
    /// Connection attempts since connectToServer() or the last join.
    int attempts() const { return m_attemptsMade; }
    /// A first connection that never got in gives up after this many attempts.
    static constexpr int MaxFirstAttempts = 3;

    // Tunables (tests shorten them).
    void setHandshakeTimeout(int ms) { m_handshakeTimeoutMs = ms; }
    void setHeartbeatInterval(int ms);
    void setReconnectBackoff(int initialMs, int maxMs);
    /// Capabilities declared in the handshake (default: seq, presence).
    void setCapabilities(const QStringList &caps) { m_caps = caps; }

    /// Session password for the next connectToServer() and its reconnects;
    /// sent in the handshake header, never in the URL, never logged. Empty: none.
    void setPassword(const QString &password) { m_password = password; }
    /// wss:// only: trust exactly the certificate with this SHA-256 digest
    /// (e.g. a self-signed one) instead of the system's CAs. Empty: normal
    /// certificate verification.
    void setPinnedCertificate(const QByteArray &sha256) { m_pin = sha256; }
    QByteArray pinnedCertificate() const { return m_pin; }

signals:
    void stateChanged(Optiverse::Collab::CollabClient::State state);
    /// Joined: the ack arrived. @p resumed is true after a reconnect.
    void joined(bool resumed);
    void usersChanged();
    void userJoined(const QString &userId, const QString &displayName);
    void userLeft(const QString &userId, const QString &displayName);
    /// The host role passed to @p userId (the previous host left).
    void hostChanged(const QString &userId, const QString &displayName);
    /// Every valid message after the ack (commands, states, presence…).
    void messageReceived(const Optiverse::Collab::Message &message);
    /// The server gave this client the session's owner token (it created the
    /// session, or ownership was handed to it), or @p token is empty: the
    /// token held (@p previous) is void since ownership went to someone else.
    void ownerTokenChanged(const QString &token, const QString &previous);
    /// Ownership was handed to @p userId.
    void ownerChanged(const QString &userId, const QString &displayName);
    /// A session-history reply (history:* types), as received.
    void historyMessage(const QJsonObject &message);
    /// A readable problem: refused, unreachable, invalid frame from the server…
    void errorOccurred(const QString &message);

private:
    void open();
    void setState(State state);
    void onConnected();
    void onDisconnected();
    void onTextMessage(const QString &text);
    void onSocketError(QAbstractSocket::SocketError error);
    void onSslErrors(const QList<QSslError> &errors);
    /// Gives up for good: shows @p message and stops reconnecting (for
    /// failures that retrying cannot fix: password, certificate, scheme).
    void fail(const QString &message);
    void handleAck(const Message &message);
    void handleOwnership(const Message &message);
    void replaceOwnerToken(const QString &token);
    void scheduleReconnect();
    /// The reason of a failed attempt, in words, from the socket's error.
    QString causeOf(QAbstractSocket::SocketError error) const;
    void resetSocket();
    /// Notes the colour slot of every user in m_users (kept after they leave).
    void rememberColorSlots();

    QPointer<QWebSocket> m_socket;
    QUrl m_server;
    QString m_session;
    QString m_name;
    QString m_userId;
    bool m_isHost = false;
    bool m_serverSequences = false;
    int m_serverMaxRate = 0;
    int m_serverBurst = 0;
    qint64 m_serverMaxMessageBytes = 0;
    qint64 m_serverMaxStateBytes = 0;
    bool m_everJoined = false;
    bool m_serverStopped = false;
    QString m_refusal; // what the server said before refusing this attempt
    bool m_wanted = false; // the user wants to be connected
    QList<User> m_users;
    QHash<QString, int> m_seenColorSlots; // every user's slot seen in this session
    bool m_serverGivesSlots = false;
    static constexpr qsizetype MaxSeenColorSlots = 4096;
    QList<OtherSession> m_otherSessions;
    QStringList m_caps;
    QString m_password;
    QString m_ownerToken;
    bool m_serverKnowsOwners = false;
    QByteArray m_pin;
    QString m_tlsFailure; // why the current attempt's certificate was refused
    bool m_upgraded = false; // the current attempt got past the WebSocket handshake
    State m_state = State::Disconnected;
    QString m_lastError;

    QTimer m_handshakeTimer;
    QTimer m_heartbeatTimer;
    QTimer m_reconnectTimer;
    QElapsedTimer m_lastReceived;
    int m_handshakeTimeoutMs = 10000;
    int m_heartbeatMs = 15000;
    int m_backoffInitialMs = 1000;
    int m_backoffMaxMs = 30000;
    int m_attempt = 0;
    int m_attemptsMade = 0;
};

} // namespace Optiverse::Collab
