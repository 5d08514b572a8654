// SPDX-License-Identifier: MIT
#pragma once

#include "RateLimiter.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QWebSocketProtocol>

class QTcpSocket;
class QWebSocket;

namespace Optiverse::Collab {

struct ServerConfig;
class TextFrame;
class ServerSession;

/**
 * One accepted WebSocket of the collaboration server: its identity in the
 * session, declared capabilities, rate limiter, keepalive clock and the
 * underlying QTcpSocket (for the slow-reader cap).
 *
 * Text messages that pass the rate limiter are forwarded with
 * textMessageReceived(); everything else (binary frames, floods, slow
 * readers) is handled here.
 */
class ClientConnection : public QObject
{
    Q_OBJECT
public:
    /// Takes ownership of @p socket. @p tcp is the socket @p socket runs on
    /// (may be null if unknown; the WebSocket's own buffer count is used then).
    ClientConnection(QWebSocket *socket, QTcpSocket *tcp, const ServerConfig &config, QObject *parent = nullptr);
    ~ClientConnection() override;

    QWebSocket *socket() const { return m_socket; }
    /// The TCP (or TLS) socket under it; null if unknown.
    QTcpSocket *tcpSocket() const { return m_tcp; }
    QString requestPath() const;

    /// Declared in the X-Optiverse-Capabilities handshake header.
    bool hasSeq() const { return m_seq; }
    bool hasPresence() const { return m_presence; }
    bool isOriginal() const { return !m_seq && !m_presence; }
    /// Declared "owner": keeps an owner token it is given (Protocol::CapOwner).
    bool canOwn() const { return m_canOwn; }
    /// The owner token sent in the handshake (Protocol::OwnerTokenHeader);
    /// empty when none. A secret: never logged.
    const QByteArray &ownerToken() const { return m_ownerToken; }

    ServerSession *session() const { return m_session; }
    void setSession(ServerSession *session) { m_session = session; }
    QString userId() const { return m_userId; }
    QString displayName() const { return m_displayName; }
    void setIdentity(const QString &userId, const QString &displayName);
    qint64 joinOrder() const { return m_joinOrder; }
    void setJoinOrder(qint64 order) { m_joinOrder = order; }
    /// The colour slot the session gave this user (Protocol::FieldColorIndex).
    int colorIndex() const { return m_colorIndex; }
    void setColorIndex(int index) { m_colorIndex = index; }

    /// Largest frame/message accepted from the peer from now on; beyond it
    /// the connection is closed with 1009.
    void setMessageLimit(qint64 bytes);

    /// Queues a text message. A peer still holding more than the send-buffer
    /// cap unread is disconnected instead of being sent more. False if the
    /// connection is closing (nothing was sent).
    bool send(const QString &text);
    /// The same for a message framed ahead of time (see TextFrame), written
    /// to the TCP socket without a copy through QWebSocket.
    bool send(const TextFrame &frame);
    bool sendBytes(const QByteArray &utf8) { return send(QString::fromUtf8(utf8)); }
    /// Bytes queued for the peer but not yet written to the kernel.
    qint64 pendingBytes() const;
    bool isClosing() const { return m_closing; }
    /// The scene was sent on this connection (sync:full_state): from then
    /// on it gets every change as a command.
    void setStateSent() { m_stateSent = true; }
    bool stateSent() const { return m_stateSent; }

    /// Sends a close frame; aborts the TCP connection if the peer has not
    /// completed the closing handshake within a second.
    void closeWith(QWebSocketProtocol::CloseCode code, const QString &reason);
    void abort();

    /// Milliseconds since the peer last sent anything (message, frame, pong).
    qint64 idleMs() const { return m_activity.elapsed(); }
    void sendKeepalivePing();

signals:
    void textMessageReceived(Optiverse::Collab::ClientConnection *connection, const QString &text);
    void disconnected(Optiverse::Collab::ClientConnection *connection);

private:
    /// Whether a message of @p size bytes may be queued now; disconnects a
    /// peer whose backlog shows it is not reading.
    bool admit(qint64 size);
    void onText(const QString &text);
    void onBinary(const QByteArray &data);
    void onDisconnected();

    QWebSocket *m_socket;
    QPointer<QTcpSocket> m_tcp;
    const qint64 m_maxSendBuffer;
    qint64 m_bulkAllowance = 0; // large messages sent since the backlog was last under the cap
    qint64 m_messageLimit = -1;
    RateLimiter m_rate;
    QElapsedTimer m_activity;
    ServerSession *m_session = nullptr;
    QString m_userId;
    QString m_displayName;
    qint64 m_joinOrder = 0;
    int m_colorIndex = -1;
    bool m_seq = false;
    bool m_presence = false;
    bool m_canOwn = false;
    QByteArray m_ownerToken;
    bool m_closing = false;
    bool m_stateSent = false;
    bool m_disconnected = false;
};

} // namespace Optiverse::Collab
