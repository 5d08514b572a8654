// SPDX-License-Identifier: MIT
#include "CollabClient.h"

#include "CertificateFingerprint.h"
#include "ColorSlot.h"
#include "MessageFactory.h"
#include "Protocol.h"
#include "SessionPassword.h"
#include "SessionUrl.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>

#include <utility>

Q_LOGGING_CATEGORY(lcClient, "optiverse.collab.client", QtInfoMsg)

namespace Optiverse::Collab {

namespace {
// A full state of a large session is the biggest thing we receive (10,000
// items are ~2 MiB); anything far above that is a broken or hostile server.
constexpr qint64 MaxIncomingMessageBytes = 64 * 1024 * 1024;

QString closeReason(QWebSocketProtocol::CloseCode code, const QString &reason)
{
    // The server's terse reasons for password refusals, as a user reads them.
    if (int(code) == Protocol::ClosePasswordRequired && (reason.isEmpty() || reason == QLatin1String("password required")))
        return QStringLiteral("the server requires a session password");
    if (int(code) == Protocol::CloseWrongPassword && (reason.isEmpty() || reason == QLatin1String("wrong password")))
        return QStringLiteral("wrong session password");
    if (!reason.isEmpty())
        return reason;
    switch (code) {
    case QWebSocketProtocol::CloseCodeGoingAway: return QStringLiteral("the server is shutting down");
    case QWebSocketProtocol::CloseCodeTooMuchData: return QStringLiteral("a message was too large");
    case QWebSocketProtocol::CloseCodePolicyViolated: return QStringLiteral("refused by the server's policy");
    default: return QStringLiteral("connection closed (code %1)").arg(int(code));
    }
}
} // namespace

CollabClient::CollabClient(QObject *parent)
    : QObject(parent)
    , m_caps{Protocol::CapSeq, Protocol::CapPresence, Protocol::CapOwner}
{
    m_handshakeTimer.setSingleShot(true);
    connect(&m_handshakeTimer, &QTimer::timeout, this, [this] {
        m_lastError = tr("no answer within %1 s").arg(m_handshakeTimeoutMs / 1000.0);
        emit errorOccurred(m_lastError);
        resetSocket();
        scheduleReconnect();
    });
    m_heartbeatTimer.setInterval(m_heartbeatMs);
    connect(&m_heartbeatTimer, &QTimer::timeout, this, [this] {
        // Three silent heartbeats: the link is dead even if TCP has not noticed.
        if (m_lastReceived.isValid() && m_lastReceived.elapsed() > 3 * m_heartbeatMs) {
            m_lastError = QStringLiteral("the server stopped answering");
            emit errorOccurred(m_lastError);
            resetSocket();
            scheduleReconnect();
            return;
        }
        send(MessageFactory::ping());
    });
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &CollabClient::open);
}

CollabClient::~CollabClient()
{
    m_wanted = false;
    resetSocket();
}

void CollabClient::setHeartbeatInterval(int ms)
{
    m_heartbeatMs = ms;
    m_heartbeatTimer.setInterval(ms);
}

void CollabClient::setReconnectBackoff(int initialMs, int maxMs)
{
    m_backoffInitialMs = initialMs;
    m_backoffMaxMs = maxMs;
}

void CollabClient::connectToServer(const QUrl &server, const QString &session, const QString &name)
{
    disconnectFromServer();
    if (server != m_server || session != m_session) {
        m_seenColorSlots.clear(); // slots belong to one session
        m_serverGivesSlots = false;
    }
    m_server = server;
    m_session = session;
    m_name = name;
    m_wanted = true;
    m_everJoined = false;
    m_serverStopped = false;
    m_attempt = m_attemptsMade = 0;
    m_lastError.clear();
    open();
}

void CollabClient::reconnectNow()
{
    if (!m_wanted || !m_reconnectTimer.isActive())
        return;
    m_reconnectTimer.stop();
    open();
}

void CollabClient::disconnectFromServer()
{
    m_wanted = false;
    m_reconnectTimer.stop();
    if (m_socket && m_socket->state() == QAbstractSocket::ConnectedState) {
        m_socket->flush(); // hand the last edits to the kernel before closing
        m_socket->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("user disconnected"));
    }
    resetSocket();
    m_users.clear();
    m_userId.clear();
    m_isHost = false;
    m_serverStopped = false;
    m_lastError.clear(); // the user chose to leave: no error to show
    setState(State::Disconnected);
}

bool CollabClient::send(const QByteArray &message)
{
    if (m_state != State::Connected || !m_socket)
        return false;
    m_socket->sendTextMessage(QString::fromUtf8(message));
    return true;
}

int CollabClient::reconnectInSeconds() const
{
    return m_reconnectTimer.isActive() ? (m_reconnectTimer.remainingTime() + 999) / 1000 : 0;
}

void CollabClient::open()
{
    resetSocket();
    if (!m_wanted)
        return;
    setState(m_everJoined ? State::Reconnecting : State::Connecting);
    ++m_attemptsMade;
    auto *socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    m_socket = socket;
    socket->setMaxAllowedIncomingMessageSize(MaxIncomingMessageBytes);
    socket->setMaxAllowedIncomingFrameSize(MaxIncomingMessageBytes);
    // One frame per message, as the server sends: Qt 6.4 peers refuse a UTF-8
    // character split across frames (close 1007), which the server hit when
    // Qt fragmented its messages over 512 KiB.
    socket->setOutgoingFrameSize(QWebSocket::maxOutgoingFrameSize());
    connect(socket, &QWebSocket::connected, this, &CollabClient::onConnected);
    connect(socket, &QWebSocket::disconnected, this, &CollabClient::onDisconnected);
    connect(socket, &QWebSocket::textMessageReceived, this, &CollabClient::onTextMessage);
    connect(socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
            &CollabClient::onSocketError);
    connect(socket, &QWebSocket::binaryMessageReceived, this, [this] {
        qCWarning(lcClient) << "ignored a binary frame from the server";
    });
    connect(socket, &QWebSocket::sslErrors, this, &CollabClient::onSslErrors);
    m_tlsFailure.clear();
    m_upgraded = false;
    if (!m_pin.isEmpty()) {
        // Pinned: trust no CA, so every handshake stops in onSslErrors and
        // goes on only for the pinned certificate (even a CA-signed impostor
        // is refused before our password leaves).
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setCaCertificates({});
        socket->setSslConfiguration(tls);
    }

    QNetworkRequest request(SessionUrl::endpoint(m_server, m_session, m_name));
    if (!m_caps.isEmpty())
        request.setRawHeader(Protocol::CapabilitiesHeader, m_caps.join(QLatin1String(", ")).toUtf8());
    if (!m_password.isEmpty())
        request.setRawHeader(Protocol::PasswordHeader, SessionPassword::toHeader(m_password));
    if (!m_ownerToken.isEmpty())
        request.setRawHeader(Protocol::OwnerTokenHeader, m_ownerToken.toLatin1());
    m_handshakeTimer.start(m_handshakeTimeoutMs); // Qt 6.4 has no client handshake timeout
    qCDebug(lcClient) << "connecting to" << request.url();
    socket->open(request);
}

void CollabClient::onConnected()
{
    m_upgraded = true;
    // QWebSocket never sets TCP_NODELAY; without it small edits wait for Nagle
    // and delayed ACKs (milliseconds each). The socket is the QWebSocket's child.
    if (auto *tcp = m_socket ? m_socket->findChild<QAbstractSocket *>() : nullptr)
        tcp->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_lastReceived.start();
    // The handshake timer keeps running until the ack: a server that accepts
    // the socket but never acknowledges is as dead as one that never answers.
}

void CollabClient::onTextMessage(const QString &text)
{
    m_lastReceived.start();
    Message message;
    QString error;
    if (!Message::parse(text.toUtf8(), &message, &error)) {
        // Unknown types are how newer servers extend the protocol: ignore them.
        qCDebug(lcClient) << "ignored message:" << error;
        return;
    }
    switch (message.type()) {
    case Message::Type::History:
        emit historyMessage(message.json());
        return;
    case Message::Type::ConnectionAck:
        handleAck(message);
        return;
    case Message::Type::Pong:
        return;
    case Message::Type::Owner:
    case Message::Type::OwnerChanged:
        handleOwnership(message);
        return;
    case Message::Type::UserJoined: {
        const QString id = message.userId();
        const QString name = message.json().value(Protocol::FieldDisplayName).toString(id);
        const bool owner = message.json().value(Protocol::FieldIsOwner).toBool();
        for (User &u : m_users)
            u.isOwner = u.isOwner && !owner; // the owner came back on a new connection
        m_users.append({id, name, message.json().value(Protocol::FieldIsHost).toBool(),
                        message.json().value(Protocol::FieldColorIndex).toInt(-1), owner});
        rememberColorSlots();
        emit userJoined(id, name);
        emit usersChanged();
        return;
    }
    case Message::Type::UserLeft: {
        const QString id = message.userId();
        QString name = id;
        for (qsizetype i = 0; i < m_users.size(); ++i) {
            if (m_users.at(i).id == id) {
                name = m_users.at(i).displayName;
                m_users.removeAt(i);
                break;
            }
        }
        emit userLeft(id, name);
        emit usersChanged();
        return;
    }
    case Message::Type::HostChanged: {
        const QString id = message.userId();
        m_isHost = id == m_userId;
        QString name = id;
        for (User &u : m_users) {
            u.isHost = u.id == id;
            if (u.isHost)
                name = u.displayName;
        }
        emit usersChanged();
        emit hostChanged(id, name);
        return;
    }
    case Message::Type::Error: {
        const QString text = message.json().value(Protocol::FieldMessage).toString();
        const QString code = message.json().value(Protocol::FieldCode).toString();
        if (code == Protocol::ErrorRateLimited) // expected now and then: SyncManager re-sends what was dropped
            qCInfo(lcClient) << "server dropped messages:" << text;
        else
            qCWarning(lcClient) << "server error:" << text;
        // Qt 6.4 clients cannot read close code 1013, so the server says it
        // first; password refusals come the same way (then 4001/4003).
        if (code == Protocol::ErrorSessionFull) {
            fail(text.isEmpty() ? QStringLiteral("the session is full") : text);
            return;
        }
        if (code == Protocol::ErrorAuthFailed) {
            fail(text.isEmpty() ? QStringLiteral("wrong session password") : text);
            return;
        }
        // A refusal that may pass (the close that follows reads as a bare
        // protocol error): the reason to show while retrying.
        if (code == Protocol::ErrorTooManyConnections && m_state != State::Connected)
            m_refusal = text.isEmpty() ? QStringLiteral("too many connections from your address") : text;
        break;
    }
    default:
        break;
    }
    if (m_state == State::Connected)
        emit messageReceived(message);
}

int CollabClient::colorIndexOf(const QString &userId) const
{
    for (const User &u : m_users)
        if (u.id == userId && u.colorIndex >= 0)
            return u.colorIndex;
    // Users who left (or whom a disconnect hid) keep the colour they had, so
    // history entries and notices do not change colour.
    if (const auto it = m_seenColorSlots.constFind(userId); it != m_seenColorSlots.cend())
        return it.value();
    // Never seen (left before we joined): the slot our server would have
    // given them first. Original servers give none: the colour is the id's.
    return m_serverGivesSlots ? ColorSlot::preferred(userId) : -1;
}

void CollabClient::rememberColorSlots()
{
    for (const User &u : std::as_const(m_users)) {
        if (u.colorIndex < 0)
            continue;
        m_serverGivesSlots = true;
        if (m_seenColorSlots.size() >= MaxSeenColorSlots && !m_seenColorSlots.contains(u.id))
            m_seenColorSlots.clear(); // a bound against a stream of made-up names
        m_seenColorSlots.insert(u.id, u.colorIndex);
    }
}

bool CollabClient::isOwner() const
{
    return std::any_of(m_users.cbegin(), m_users.cend(), [this](const User &u) { return u.id == m_userId && u.isOwner; });
}

bool CollabClient::transferOwnership(const QString &userId)
{
    return send(MessageFactory::transferOwner(userId));
}

void CollabClient::replaceOwnerToken(const QString &token)
{
    // It goes into a handshake header: nothing but base64url is taken.
    static const QRegularExpression base64url(QStringLiteral("^[A-Za-z0-9_-]*$"));
    if (token == m_ownerToken || token.size() > Protocol::MaxOwnerTokenLength || !base64url.match(token).hasMatch())
        return;
    const QString previous = m_ownerToken;
    m_ownerToken = token;
    emit ownerTokenChanged(token, previous);
}

void CollabClient::handleOwnership(const Message &message)
{
    if (message.type() == Message::Type::Owner) {
        replaceOwnerToken(message.json().value(Protocol::FieldOwnerToken).toString());
        return;
    }
    // Ownership was handed over: a token this client holds is void now,
    // unless it is the new owner's (session:owner came first).
    const QString id = message.userId();
    if (id != m_userId)
        replaceOwnerToken({});
    QString name = id;
    for (User &u : m_users) {
        u.isOwner = u.id == id;
        if (u.isOwner)
            name = u.displayName;
    }
    emit usersChanged();
    emit ownerChanged(id, name);
}

void CollabClient::handleAck(const Message &message)
{
    m_handshakeTimer.stop();
    const QJsonObject &o = message.json();
    m_userId = message.userId();
    m_isHost = o.value(Protocol::FieldIsHost).toBool();
    // Only our server stamps an order; original servers neither sequence nor echo.
    m_serverSequences = o.contains(Protocol::FieldSeq);
    // Absent (original servers) or not a positive whole number: 0, "unknown".
    const QJsonObject limits = o.value(Protocol::AckLimits).toObject();
    m_serverMaxRate = std::max(0, limits.value(Protocol::LimitMaxRate).toInt());
    m_serverBurst = std::max(0, limits.value(Protocol::LimitBurst).toInt());
    m_serverMaxMessageBytes = std::max<qint64>(0, limits.value(Protocol::LimitMaxMessageBytes).toInteger());
    m_serverMaxStateBytes = std::max<qint64>(0, limits.value(Protocol::LimitMaxStateBytes).toInteger());
    m_serverKnowsOwners = o.value(Protocol::FieldCapabilities).toArray().contains(QJsonValue(Protocol::CapOwner));
    m_users.clear();
    const QJsonArray users = o.value(Protocol::FieldUsers).toArray();
    for (const QJsonValue &v : users) {
        const QJsonObject u = v.toObject();
        const QString id = u.value(Protocol::FieldUserId).toString();
        if (!id.isEmpty())
            m_users.append({id, u.value(Protocol::FieldDisplayName).toString(id),
                            u.value(Protocol::FieldIsHost).toBool(), u.value(Protocol::FieldColorIndex).toInt(-1),
                            u.value(Protocol::FieldIsOwner).toBool()});
    }
    if (std::none_of(m_users.cbegin(), m_users.cend(), [this](const User &u) { return u.id == m_userId; }))
        m_users.prepend({m_userId, m_name, m_isHost, o.value(Protocol::FieldColorIndex).toInt(-1)});
    rememberColorSlots();
    // Told only to someone alone in the session; a malformed entry is left out.
    m_otherSessions.clear();
    const QJsonArray others = o.value(Protocol::FieldOtherSessions).toArray();
    for (const QJsonValue &v : others) {
        const QJsonObject s = v.toObject();
        const QString id = s.value(Protocol::FieldSessionId).toString();
        const int count = s.value(Protocol::FieldUsers).toInt(0);
        QString why;
        if (count > 0 && id != m_session && SessionUrl::validateName(id, QString(), &why))
            m_otherSessions.append({id, count});
        if (m_otherSessions.size() == Protocol::MaxOtherSessions)
            break;
    }
    // Given only to the member that just created the session.
    if (const QString token = o.value(Protocol::FieldOwnerToken).toString(); !token.isEmpty())
        replaceOwnerToken(token);
    const bool resumed = m_everJoined;
    m_everJoined = true;
    m_serverStopped = false;
    m_attempt = m_attemptsMade = 0;
    m_lastError.clear();
    m_heartbeatTimer.start();
    setState(State::Connected);
    emit usersChanged();
    emit joined(resumed);
}

void CollabClient::onDisconnected()
{
    if (!m_socket)
        return;
    const auto code = m_socket->closeCode();
    const QString reason = m_socket->closeReason();
    const QString socketError = m_socket->error() == QAbstractSocket::UnknownSocketError ? QString() : causeOf(m_socket->error());
    const bool wasConnected = m_state == State::Connected;
    resetSocket();
    if (!m_wanted)
        return;
    const QString refusal = std::exchange(m_refusal, QString());
    if (!wasConnected && !refusal.isEmpty()) {
        m_lastError = refusal;
        emit errorOccurred(m_lastError);
    } else if (!wasConnected && !socketError.isEmpty()) {
        // Never got in (refused, unreachable…): the socket's reason is the useful one.
        m_lastError = socketError;
        emit errorOccurred(m_lastError);
    } else if (wasConnected || code != QWebSocketProtocol::CloseCodeNormal) {
        m_lastError = closeReason(code, reason);
        emit errorOccurred(m_lastError);
    }
    // 1001: the server is stopping (its host ended the session, or it is
    // being restarted). Say so, and knock less often.
    if (code == QWebSocketProtocol::CloseCodeGoingAway && (wasConnected || m_everJoined))
        m_serverStopped = true;
    // Policy refusals (bad path, origin, password) will not fix themselves.
    if (code == QWebSocketProtocol::CloseCodePolicyViolated || code == QWebSocketProtocol::CloseCodeDatatypeNotSupported
        || (int(code) >= 4000 && int(code) < 4100)) {
        m_wanted = false;
        m_users.clear();
        setState(State::Disconnected);
        return;
    }
    scheduleReconnect();
}

void CollabClient::onSocketError(QAbstractSocket::SocketError error)
{
    if (!m_socket)
        return;
    if (!m_tlsFailure.isEmpty()) {
        fail(m_tlsFailure);
        return;
    }
    // Closed before the WebSocket upgrade: a TLS port spoken to in plain
    // text, or a plain port spoken to in TLS, ends exactly like this.
    const bool secure = m_server.scheme().compare(QLatin1String("wss"), Qt::CaseInsensitive) == 0;
    const auto *tls = m_socket->findChild<QSslSocket *>();
    const bool closedEarly = !m_upgraded
        && (error == QAbstractSocket::RemoteHostClosedError
            || (secure && error == QAbstractSocket::SslHandshakeFailedError))
        && !(tls && tls->isEncrypted());
    if (closedEarly) {
        const QString hint = secure
            ? QStringLiteral("The server closed the connection during the TLS handshake; if it does not use TLS, "
                             "use ws:// instead of wss://")
            : QStringLiteral("The server did not answer the WebSocket handshake; if it uses TLS, use wss:// "
                             "instead of ws://");
        // On the first attempt this is a wrong URL, not a server restarting.
        if (!m_everJoined) {
            fail(hint);
            return;
        }
        m_lastError = hint;
    } else {
        m_lastError = causeOf(error);
    }
    emit errorOccurred(m_lastError);
    if (m_state != State::Connected) { // a failed attempt: no disconnected() follows reliably
        resetSocket();
        scheduleReconnect();
    }
}

void CollabClient::onSslErrors(const QList<QSslError> &errors)
{
    auto *socket = qobject_cast<QWebSocket *>(sender());
    if (!socket || socket != m_socket)
        return;
    QSslCertificate peer;
    if (const auto *tls = socket->findChild<QSslSocket *>())
        peer = tls->peerCertificate();
    for (const QSslError &e : errors) {
        if (peer.isNull())
            peer = e.certificate();
    }
    const QByteArray digest = peer.isNull() ? QByteArray() : peer.digest(QCryptographicHash::Sha256);
    const QString fingerprint = digest.isEmpty() ? QStringLiteral("unknown") : CertificateFingerprint::format(digest);
    if (!m_pin.isEmpty()) {
        if (digest == m_pin) {
            socket->ignoreSslErrors();
            return;
        }
        m_tlsFailure = QStringLiteral("the server's certificate does not match the pinned fingerprint "
                                      "(server: %1; pinned: %2)")
                           .arg(fingerprint, CertificateFingerprint::format(m_pin));
    } else {
        QStringList why;
        for (const QSslError &e : errors)
            why.append(e.errorString());
        m_tlsFailure = QStringLiteral("the server's certificate is not trusted (%1); its SHA-256 fingerprint is %2 — "
                                      "if the server's operator confirms it, enter it as the certificate fingerprint")
                           .arg(why.join(QLatin1String("; ")), fingerprint);
    }
    qCWarning(lcClient).noquote() << m_tlsFailure;
}

void CollabClient::abandon(const QString &reason)
{
    qCWarning(lcClient).noquote() << reason;
    if (m_socket && m_socket->state() == QAbstractSocket::ConnectedState) {
        m_socket->disconnect(this); // our own close is not an error to report
        m_socket->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("leaving"));
    }
    fail(reason);
}

void CollabClient::fail(const QString &message)
{
    m_wanted = false;
    m_lastError = message;
    emit errorOccurred(m_lastError);
    resetSocket();
    m_users.clear();
    setState(State::Disconnected);
}

void CollabClient::scheduleReconnect()
{
    m_heartbeatTimer.stop();
    m_handshakeTimer.stop();
    if (!m_wanted) {
        setState(State::Disconnected);
        return;
    }
    if (!m_everJoined && m_attemptsMade >= MaxFirstAttempts) {
        // Never got in: a typo in the address or a server that is not
        // running. Retrying forever would hide that; say it and stop.
        fail(tr("cannot reach %1 (%2)")
                 .arg(m_server.toDisplayString(), m_lastError.isEmpty() ? tr("no answer") : m_lastError));
        return;
    }
    // Exponential backoff, capped, with +-25 % jitter so a restarted server is
    // not hit by every client in the same millisecond; four times slower
    // after the server said it was stopping.
    const int exp = std::min(m_attempt, 16);
    const int slow = m_serverStopped ? 4 : 1;
    const qint64 base = std::min<qint64>((qint64(m_backoffInitialMs) * slow) << exp, qint64(m_backoffMaxMs) * (m_serverStopped ? 2 : 1));
    const qint64 jitter = base / 4;
    const qint64 delay = base - jitter + QRandomGenerator::global()->bounded(2 * jitter + 1);
    ++m_attempt;
    m_reconnectTimer.start(int(delay));
    setState(m_everJoined ? State::Reconnecting : State::Connecting);
    qCDebug(lcClient) << "reconnecting in" << delay << "ms";
}

QString CollabClient::causeOf(QAbstractSocket::SocketError error) const
{
    switch (error) {
    case QAbstractSocket::ConnectionRefusedError:
        return tr("connection refused: is the server running, is the port right?");
    case QAbstractSocket::HostNotFoundError:
        return tr("host not found: is the address right?");
    case QAbstractSocket::SocketTimeoutError:
        return tr("the connection timed out");
    case QAbstractSocket::NetworkError:
        return tr("network unreachable");
    case QAbstractSocket::RemoteHostClosedError:
        return tr("the server closed the connection");
    case QAbstractSocket::SslHandshakeFailedError:
        return tr("the TLS handshake failed");
    default:
        return m_socket ? m_socket->errorString() : tr("unknown error");
    }
}

void CollabClient::resetSocket()
{
    m_handshakeTimer.stop();
    m_heartbeatTimer.stop();
    if (QWebSocket *socket = m_socket.data()) {
        m_socket.clear();
        socket->disconnect(this);
        socket->abort();
        socket->deleteLater();
    }
}

void CollabClient::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    emit stateChanged(state);
}

} // namespace Optiverse::Collab
