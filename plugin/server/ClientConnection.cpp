// SPDX-License-Identifier: MIT
#include "ClientConnection.h"

#include "MessageFactory.h"
#include "Protocol.h"
#include "ServerConfig.h"
#include "ServerLog.h"
#include "TextFrame.h"

#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>
#include <QWebSocket>

namespace Optiverse::Collab {

namespace {
// A peer that keeps flooding after this many dropped messages in a row is
// disconnected.
constexpr int MaxConsecutiveDrops = 1000;
constexpr int CloseGraceMs = 1000;
} // namespace

ClientConnection::ClientConnection(QWebSocket *socket, QTcpSocket *tcp, const ServerConfig &config, QObject *parent)
    : QObject(parent),
      m_socket(socket),
      m_tcp(tcp),
      m_maxSendBuffer(config.maxSendBufferBytes),
      m_rate(config.maxMessagesPerSecond, config.burst)
{
    m_socket->setParent(this);
    // Make sure the TCP socket goes with the WebSocket (it starts as a child
    // of the QTcpServer, which lives as long as the server).
    if (m_tcp && m_tcp->parent() != m_socket)
        m_tcp->setParent(m_socket);
    m_activity.start();
    setMessageLimit(config.maxMessageBytes);
    // One frame per message: Qt splits at 512 KiB byte offsets by default and
    // a Qt 6.4 peer refuses (1007) a UTF-8 character split across frames, so
    // a large non-ASCII sync:full_state would never reach a Qt client.
    m_socket->setOutgoingFrameSize(QWebSocket::maxOutgoingFrameSize());

    // Capabilities: "X-Optiverse-Capabilities: seq, presence" (case-insensitive).
    const QByteArray caps = m_socket->request().rawHeader(Protocol::CapabilitiesHeader);
    for (const QByteArray &raw : caps.split(',')) {
        const QByteArray cap = raw.trimmed().toLower();
        if (cap == QByteArrayView(Protocol::CapSeq.data(), Protocol::CapSeq.size()))
            m_seq = true;
        else if (cap == QByteArrayView(Protocol::CapPresence.data(), Protocol::CapPresence.size()))
            m_presence = true;
        else if (cap == QByteArrayView(Protocol::CapOwner.data(), Protocol::CapOwner.size()))
            m_canOwn = true;
    }
    m_ownerToken = m_socket->request().rawHeader(Protocol::OwnerTokenHeader).left(Protocol::MaxOwnerTokenLength);

    connect(m_socket, &QWebSocket::textMessageReceived, this, &ClientConnection::onText);
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, &ClientConnection::onBinary);
    connect(m_socket, &QWebSocket::pong, this, [this] { m_activity.restart(); });
    connect(m_socket, &QWebSocket::disconnected, this, &ClientConnection::onDisconnected);
    if (m_tcp)
        connect(m_tcp, &QTcpSocket::readyRead, this, [this] { m_activity.restart(); });
}

ClientConnection::~ClientConnection()
{
    // No signal of a dying socket may reach this half-destroyed object.
    if (m_tcp)
        m_tcp->disconnect(this);
    m_socket->disconnect(this);
    delete m_socket;
}

QString ClientConnection::requestPath() const
{
    return m_socket->requestUrl().path(QUrl::FullyEncoded);
}

void ClientConnection::setIdentity(const QString &userId, const QString &displayName)
{
    m_userId = userId;
    m_displayName = displayName;
}

void ClientConnection::setMessageLimit(qint64 bytes)
{
    bytes = qMax<qint64>(1, bytes);
    if (bytes == m_messageLimit)
        return;
    m_messageLimit = bytes;
    // Qt checks these as each frame header arrives, so nothing larger is ever buffered.
    m_socket->setMaxAllowedIncomingMessageSize(quint64(bytes));
    m_socket->setMaxAllowedIncomingFrameSize(quint64(bytes));
}

qint64 ClientConnection::pendingBytes() const
{
    if (!m_tcp)
        return m_socket->bytesToWrite();
    // A QSslSocket encrypts at once: what the peer does not read piles up
    // as encrypted bytes, which bytesToWrite() does not count. (Do not
    // flush() it after each send instead: in Qt 6.4 that corrupts frames.)
    if (auto *tls = qobject_cast<QSslSocket *>(m_tcp.data()))
        return tls->bytesToWrite() + tls->encryptedBytesToWrite();
    return m_tcp->bytesToWrite();
}

bool ClientConnection::admit(qint64 size)
{
    if (m_closing || m_disconnected)
        return false;
    // The backlog before this message counts, not the message itself: one
    // state larger than the cap still reaches a reader that keeps up. Large
    // messages the server chose to send (a restore's state larger than the
    // cap) widen it by their size until the backlog is back under it, so the
    // small reply that follows one does not count the reader as too slow.
    qint64 pending = pendingBytes();
    // Several messages relayed in one pass of the event loop have not been
    // offered to the kernel yet: a reader is too slow only when the kernel
    // will not take them either. (A plain socket only: see pendingBytes.)
    if (pending > m_maxSendBuffer + m_bulkAllowance && m_tcp && !qobject_cast<QSslSocket *>(m_tcp.data())) {
        m_tcp->flush();
        pending = pendingBytes();
    }
    if (pending <= m_maxSendBuffer)
        m_bulkAllowance = 0;
    if (pending > m_maxSendBuffer + m_bulkAllowance) {
        qCWarning(lcServer).noquote() << "Disconnecting" << m_userId << "(" << m_socket->peerAddress().toString()
                                      << "): send buffer exceeded";
        closeWith(QWebSocketProtocol::CloseCodePolicyViolated,
                  QStringLiteral("send buffer exceeded: client too slow to read"));
        return false;
    }
    if (size > m_maxSendBuffer)
        m_bulkAllowance += size;
    return true;
}

bool ClientConnection::send(const QString &text)
{
    if (!admit(text.size()))
        return false;
    m_socket->sendTextMessage(text);
    return true;
}

bool ClientConnection::send(const TextFrame &frame)
{
    if (!admit(frame.wireSize()))
        return false;
    // QWebSocket writes each frame whole into this socket as it sends it, so
    // a frame written here between two of its own never splits one.
    if (!m_tcp) {
        m_socket->sendTextMessage(frame.text());
        return true;
    }
    for (const QByteArray &part : frame.wireParts())
        m_tcp->write(part);
    return true;
}

void ClientConnection::closeWith(QWebSocketProtocol::CloseCode code, const QString &reason)
{
    if (m_closing || m_disconnected)
        return;
    m_closing = true;
    m_socket->close(code, reason);
    QPointer<ClientConnection> self(this);
    QTimer::singleShot(CloseGraceMs, this, [self] {
        if (self && !self->m_disconnected)
            self->abort();
    });
}

void ClientConnection::abort()
{
    m_closing = true;
    m_socket->abort();
    // abort() on an already closed socket emits nothing: make sure we leave.
    if (!m_disconnected)
        QTimer::singleShot(0, this, [this] { onDisconnected(); });
}

void ClientConnection::sendKeepalivePing()
{
    if (!m_closing && !m_disconnected)
        m_socket->ping();
}

void ClientConnection::onText(const QString &text)
{
    m_activity.restart();
    if (m_closing || m_disconnected)
        return;
    if (!m_rate.tryAcquire()) {
        const int drops = m_rate.consecutiveDrops();
        if (drops >= MaxConsecutiveDrops) {
            closeWith(QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("rate limit exceeded"));
        } else if (drops == 1) {
            // One reply per run of dropped messages, so a flood does not
            // turn into a flood of replies.
            sendBytes(MessageFactory::error(Protocol::ErrorRateLimited,
                                            QStringLiteral("too many messages; this one and further ones are "
                                                           "dropped until the rate falls")));
        }
        return;
    }
    emit textMessageReceived(this, text);
}

void ClientConnection::onBinary(const QByteArray &)
{
    m_activity.restart();
    if (m_closing || m_disconnected)
        return;
    sendBytes(MessageFactory::error(Protocol::ErrorBinaryNotSupported,
                                    QStringLiteral("binary frames are not supported; send JSON text messages")));
    closeWith(QWebSocketProtocol::CloseCodeDatatypeNotSupported, QStringLiteral("binary frames are not supported"));
}

void ClientConnection::onDisconnected()
{
    if (m_disconnected)
        return;
    m_disconnected = true;
    m_closing = true;
    emit disconnected(this);
}

} // namespace Optiverse::Collab
