// SPDX-License-Identifier: MIT
#include "CollabServer.h"

#include "BeaconAdvertiser.h"
#include "Beacon.h"
#include "ClientConnection.h"
#include "DescriptorLimit.h"
#include "DnsSdAdvertiser.h"
#include "MessageFactory.h"
#include "Protocol.h"
#include "ServerLog.h"
#include "ServerSession.h"
#include "SessionPassword.h"
#include "SessionStore.h"
#include "SessionUrl.h"
#include "TlsCredentials.h"
#include "TlsTcpServer.h"

#include <QHostInfo>
#include <QNetworkInterface>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QWebSocket>
#include <QWebSocketCorsAuthenticator>
#include <QWebSocketServer>

#include <memory>

namespace Optiverse::Collab {

namespace {
constexpr auto CloseTryAgainLater = QWebSocketProtocol::CloseCode(1013);
// Qt stops accepting after an error such as "too many open files" and never
// resumes by itself; descriptors may be free again this much later.
constexpr int AcceptRetryMs = 100;
// The kernel queues this many connections not yet accepted (Linux caps it
// at net.core.somaxconn); Qt's 50 overflows in a burst of connects, and a
// dropped SYN costs the honest client a second or more.
constexpr int ListenBacklog = 4096;

PasswordThrottle::Limits throttleLimits(const ServerConfig &config)
{
    PasswordThrottle::Limits limits;
    limits.checksPerSecond = qMax(1, config.maxPasswordChecksPerSecond);
    return limits;
}

QString peerKey(const QHostAddress &address, quint16 port)
{
    return address.toString() + QLatin1Char('|') + QString::number(port);
}
} // namespace

CollabServer::CollabServer(ServerConfig config, QObject *parent)
    : QObject(parent),
      m_config(std::move(config)),
      m_historyBudget(m_config.memoryBudgetBytes),
      m_historyCost(m_config.historyServerCostMsPerSecond, 2 * m_config.historyServerCostMsPerSecond),
      m_throttle(throttleLimits(m_config))
{
    m_historyWriter.setMaxThreadCount(1);
    m_clock.start();
    if (m_config.useTls()) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setLocalCertificateChain(m_config.tlsCertificateChain);
        tls.setPrivateKey(m_config.tlsKey);
        tls.setPeerVerifyMode(QSslSocket::VerifyNone); // clients have no certificates
        tls.setProtocol(QSsl::TlsV1_2OrLater);
        m_tcp = new TlsTcpServer(tls, this);
    } else {
        m_tcp = new QTcpServer(this);
    }
    m_ws = new QWebSocketServer(QStringLiteral("Optiverse Collab"), QWebSocketServer::NonSecureMode, this);
    m_ws->setHandshakeTimeout(qMax(1, m_config.handshakeTimeoutMs));
    m_ws->setMaxPendingConnections(1 << 20);
    m_tcp->setListenBacklogSize(ListenBacklog);
    connect(m_tcp, &QTcpServer::newConnection, this, &CollabServer::onTcpConnection);
    connect(m_tcp, &QTcpServer::acceptError, this, [this](QAbstractSocket::SocketError) {
        logRefusal(QStringLiteral("a client"), QStringLiteral("cannot accept: ") + m_tcp->errorString());
        QTimer::singleShot(AcceptRetryMs, this, [this] {
            if (m_tcp->isListening())
                m_tcp->resumeAccepting();
        });
    });
    m_checkTimer.setSingleShot(true);
    connect(&m_checkTimer, &QTimer::timeout, this, &CollabServer::checkPasswords);
    connect(m_ws, &QWebSocketServer::newConnection, this, &CollabServer::onWebSocketConnection);
    connect(m_ws, &QWebSocketServer::originAuthenticationRequired, this,
            [this](QWebSocketCorsAuthenticator *auth) {
                const QString origin = auth->origin();
                const bool allowed = origin.isEmpty() || m_config.allowedOrigins.contains(origin);
                if (!allowed)
                    qCInfo(lcServer).noquote() << "Refused a connection from origin" << origin.left(200);
                auth->setAllowed(allowed);
            },
            Qt::DirectConnection);
    m_keepalive.setInterval(qMax(10, m_config.keepaliveIntervalMs));
    connect(&m_keepalive, &QTimer::timeout, this, &CollabServer::onKeepalive);
}

CollabServer::~CollabServer()
{
    // Flush close frames if close() was called; then drop everything in an
    // order that keeps the sockets' owners alive while they go.
    const auto connections = m_connections;
    m_connections.clear();
    for (ClientConnection *c : connections) {
        c->disconnect(this);
        if (QWebSocket *s = c->socket())
            s->flush();
        delete c;
    }
    qDeleteAll(m_sessions);
    m_sessions.clear();
    delete m_ws;
    m_ws = nullptr;
    delete m_tcp;
    m_tcp = nullptr;
}

bool CollabServer::setStorageMaxPageCount(qint64 pages)
{
    QString error;
    return m_store && m_store->setMaxPageCount(pages, &error);
}

bool CollabServer::listen(const QHostAddress &address, quint16 port, QString *errorString)
{
    QString ignored;
    QString &error = errorString ? *errorString : ignored;
    if (m_tcp->isListening()) {
        error = QStringLiteral("The server is already listening on %1:%2")
                    .arg(m_tcp->serverAddress().toString()).arg(m_tcp->serverPort());
        return false;
    }
    if (!m_config.dataDir.isEmpty() && !m_store) {
        auto store = std::make_unique<SessionStore>();
        store->setHistoryLength(m_config.historyLength);
        if (!store->open(m_config.dataDir, &error))
            return false;
        m_store = std::move(store);
    }
    AddressLimits::Limits limits;
    limits.maxSockets = m_config.maxConnections > 0 ? m_config.maxConnections
                                                    : DescriptorLimit::connectionRoom(DescriptorLimit::current());
    limits.maxHandshakes = qMax(1, m_config.maxHandshakes);
    limits.maxHandshakesPerAddress = qMax(1, m_config.maxHandshakesPerAddress);
    limits.maxConnectionsPerAddress = qMax(1, m_config.maxConnectionsPerAddress);
    m_limits.setLimits(limits);
    if (!m_tcp->listen(address, port)) {
        if (m_tcp->serverError() == QAbstractSocket::AddressInUseError)
            error = QStringLiteral("Port %1 on %2 is already in use").arg(port).arg(address.toString());
        else
            error = QStringLiteral("Cannot listen on %1:%2: %3").arg(address.toString()).arg(port).arg(m_tcp->errorString());
        return false;
    }
    m_keepalive.start();
    qCInfo(lcServer).noquote() << "Listening on" << m_tcp->serverAddress().toString() << "port" << m_tcp->serverPort();
    if (m_config.advertise)
        startAdvertising();
    emit listeningChanged(true);
    return true;
}

void CollabServer::close()
{
    const bool wasListening = m_tcp->isListening();
    stopAdvertising();
    m_tcp->close();
    m_keepalive.stop();
    for (ClientConnection *c : std::as_const(m_connections))
        c->closeWith(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("server shutting down"));
    for (const QPointer<QTcpSocket> &s : std::as_const(m_handshaking)) {
        if (s)
            s->abort();
    }
    m_handshaking.clear();
    // Password checks and refusals under way (they leave their lists as they go).
    const auto waiting = m_awaitingCheck.values() + m_heldRefusals;
    for (const QPointer<ClientConnection> &c : waiting) {
        if (c)
            c->closeWith(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("server shutting down"));
    }
    if (wasListening) {
        qCInfo(lcServer) << "Server closed";
        emit listeningChanged(false);
    }
}

bool CollabServer::isListening() const { return m_tcp->isListening(); }

quint16 CollabServer::port() const { return m_tcp->isListening() ? m_tcp->serverPort() : 0; }

QHostAddress CollabServer::address() const { return m_tcp->serverAddress(); }

QStringList CollabServer::shareUrls() const
{
    QStringList urls;
    if (!isListening())
        return urls;
    const QHostAddress bound = address();
    const QString portText = QString::number(port());
    const QString scheme = usesTls() ? QStringLiteral("wss://") : QStringLiteral("ws://");
    auto url = [&portText, &scheme](const QHostAddress &a) -> QString {
        const QString host = a.protocol() == QAbstractSocket::IPv6Protocol
            ? QString(QLatin1Char('[') + a.toString() + QLatin1Char(']')) : a.toString();
        return QString(scheme + host + QLatin1Char(':') + portText);
    };
    if (bound.isLoopback())
        return {url(QHostAddress(QHostAddress::LocalHost))};
    if (bound != QHostAddress::Any && bound != QHostAddress::AnyIPv4 && bound != QHostAddress::AnyIPv6)
        return {url(bound)};
    for (const QHostAddress &a : QNetworkInterface::allAddresses()) {
        if (a.protocol() == QAbstractSocket::IPv4Protocol && !a.isLoopback())
            urls.append(url(a));
    }
    if (urls.isEmpty())
        urls.append(url(QHostAddress(QHostAddress::LocalHost)));
    return urls;
}

QString CollabServer::certificateFingerprint() const
{
    return usesTls() ? TlsCredentials::fingerprint(m_config.tlsCertificateChain.constFirst()) : QString();
}

int CollabServer::connectionCount() const { return int(m_connections.size()); }

int CollabServer::sessionCount() const { return int(m_sessions.size()); }

QList<AdvertisedSession> CollabServer::sessionSummaries() const
{
    QHash<QString, AdvertisedSession> byId;
    for (const ServerSession *s : m_sessions)
        byId.insert(s->id(), AdvertisedSession{s->id(), s->userCount(), {}});
    if (m_config.advertiseNames) {
        for (const ClientConnection *c : m_connections) {
            if (const ServerSession *s = c->session(); s && byId.contains(s->id()))
                byId[s->id()].names.append(c->userId());
        }
    }
    QList<AdvertisedSession> list = byId.values();
    std::sort(list.begin(), list.end(), [](const AdvertisedSession &a, const AdvertisedSession &b) {
        return a.users != b.users ? a.users > b.users : a.id < b.id;
    });
    for (AdvertisedSession &s : list)
        s.names.sort();
    return list;
}

bool CollabServer::isAdvertising() const { return m_beacon && m_beacon->isRunning(); }

void CollabServer::startAdvertising()
{
    BeaconAdvertiser::Server server;
    server.name = m_config.serverName.trimmed().left(Protocol::MaxNameLength);
    if (!Beacon::isValidServerName(server.name))
        server.name = QHostInfo::localHostName().left(Protocol::MaxNameLength);
    if (!Beacon::isValidServerName(server.name))
        server.name = QStringLiteral("Optiverse server");
    server.tls = usesTls();
    server.boundAddress = address();
    server.port = port();
    server.passwordRequired = !m_config.password.isEmpty();
    server.fingerprint = certificateFingerprint();
    // Sending never blocks, and the beacon is built from counts the server
    // keeps anyway: announcing costs the server nothing it would notice.
    m_beacon = new BeaconAdvertiser(m_config.discovery, this);
    m_beacon->setServer(server);
    m_beacon->setSessionsProvider([this] { return sessionSummaries(); });
    QString error;
    if (!m_beacon->start(&error))
        qCInfo(lcServer).noquote() << "Not announcing on the LAN:" << error;
    m_dnsSd = new DnsSdAdvertiser(this);
    m_dnsSd->start(server, m_config.discovery);
    connect(this, &CollabServer::connectionCountChanged, m_beacon, [this] {
        m_beacon->announceSoon(); // joins and leaves show within a quarter second
        if (m_dnsSd->isRunning())
            m_dnsSd->setSessions(sessionSummaries());
    });
}

void CollabServer::stopAdvertising()
{
    if (m_beacon)
        m_beacon->stop();
    if (m_dnsSd)
        m_dnsSd->stop();
    delete m_beacon;
    m_beacon = nullptr;
    delete m_dnsSd;
    m_dnsSd = nullptr;
}

void CollabServer::onTcpConnection()
{
    while (m_tcp->hasPendingConnections()) {
        QTcpSocket *socket = m_tcp->nextPendingConnection();
        if (!socket)
            break;
        // Counted until it is destroyed, whatever becomes of it; over a cap
        // it goes at once, before Qt reads a byte of it.
        const QString address = AddressLimits::keyOf(socket->peerAddress());
        const auto verdict = m_limits.open(quintptr(socket), address);
        if (verdict != AddressLimits::Verdict::Admitted) {
            logRefusal(address, m_limits.describe(verdict));
            socket->abort();
            socket->deleteLater();
            continue;
        }
        // Qt drops every connection to the socket's own signals when it
        // upgrades it; a child object's end is the socket's end.
        connect(new QObject(socket), &QObject::destroyed, this, [this, id = quintptr(socket)] { m_limits.close(id); });
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        const QString key = peerKey(socket->peerAddress(), socket->peerPort());
        m_handshaking.insert(key, socket);
        if (!m_config.useTls()) {
            // wss:// to this ws:// port: a TLS ClientHello (first byte 0x16,
            // never the start of an HTTP request) would otherwise wait for
            // the handshake deadline. Drop it at once; look at the first bytes only.
            auto once = std::make_shared<QMetaObject::Connection>();
            *once = connect(socket, &QTcpSocket::readyRead, this, [socket, once] {
                QObject::disconnect(*once);
                if (socket->peek(1) == QByteArrayLiteral("\x16")) {
                    qCInfo(lcServer).noquote() << "Refused" << socket->peerAddress().toString()
                                               << ": TLS handshake on a plain ws:// port";
                    socket->abort();
                }
            });
        } else if (auto *tls = qobject_cast<QSslSocket *>(socket)) {
            // A plain ws:// client or a client refusing our certificate ends
            // here; say so, since the client may only see "connection closed".
            connect(tls, &QSslSocket::errorOccurred, this, [tls](QAbstractSocket::SocketError) {
                if (!tls->isEncrypted())
                    qCInfo(lcServer).noquote() << "TLS handshake with" << tls->peerAddress().toString()
                                               << "failed:" << tls->errorString();
            });
        }
        // A failed or timed-out handshake: the socket is never upgraded.
        connect(socket, &QTcpSocket::disconnected, this, [this, key, socket] {
            const auto it = m_handshaking.find(key);
            if (it != m_handshaking.end() && it.value() == socket) {
                m_handshaking.erase(it);
                socket->deleteLater();
            }
        });
        // Our own deadline too: Qt 6.4 does not time out handshakes of
        // sockets passed to handleConnection() reliably.
        QTimer::singleShot(qMax(1, m_config.handshakeTimeoutMs), socket, [this, key, socket] {
            const auto it = m_handshaking.constFind(key);
            if (it != m_handshaking.constEnd() && it.value() == socket) {
                qCInfo(lcServer).noquote() << "Handshake timeout for" << socket->peerAddress().toString();
                socket->abort();
            }
        });
        m_ws->handleConnection(socket);
    }
}

QTcpSocket *CollabServer::takeTcpSocket(QWebSocket *socket)
{
    const auto it = m_handshaking.find(peerKey(socket->peerAddress(), socket->peerPort()));
    if (it == m_handshaking.end())
        return nullptr;
    QTcpSocket *tcp = it.value();
    m_handshaking.erase(it);
    return tcp;
}

QString CollabServer::addressOf(const ClientConnection *connection)
{
    return AddressLimits::keyOf(connection->socket()->peerAddress());
}

void CollabServer::logRefusal(const QString &address, const QString &reason)
{
    int unlogged = 0;
    const QString key = address + QLatin1String(" : ") + reason;
    if (!m_refusalLog.shouldLog(key, m_clock.elapsed(), &unlogged))
        return;
    if (unlogged > 0)
        qCInfo(lcServer).noquote() << "Refused" << key << QStringLiteral("(%1 more since the last such line)").arg(unlogged);
    else
        qCInfo(lcServer).noquote() << "Refused" << key;
}

void CollabServer::onWebSocketConnection()
{
    while (m_ws->hasPendingConnections()) {
        QWebSocket *socket = m_ws->nextPendingConnection();
        if (!socket)
            break;
        auto *c = new ClientConnection(socket, takeTcpSocket(socket), m_config, this);
        connect(c, &ClientConnection::disconnected, this, &CollabServer::onClientDisconnected);
        if (!isListening()) {
            c->closeWith(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("server shutting down"));
            continue;
        }
        if (m_config.password.isEmpty()) {
            join(c); // original clients send no password header: nothing to check
            continue;
        }
        // Never log the header's value: only whether it was there. A missing
        // one tells a guesser nothing: refused at once, outside the budget.
        if (socket->request().rawHeader(Protocol::PasswordHeader).isEmpty()) {
            refuseAuth(c, Protocol::ClosePasswordRequired, QStringLiteral("password required"),
                       QStringLiteral("the server requires a session password"));
            continue;
        }
        const quint64 ticket = ++m_nextTicket;
        m_awaitingCheck.insert(ticket, c);
        m_throttle.enqueue(ticket, addressOf(c));
        connect(c, &ClientConnection::disconnected, this, [this, ticket] {
            if (m_awaitingCheck.remove(ticket))
                m_throttle.remove(ticket);
        });
    }
    checkPasswords();
}

void CollabServer::checkPasswords()
{
    const qint64 now = m_clock.elapsed();
    while (const quint64 ticket = m_throttle.takeNext(now)) {
        const QPointer<ClientConnection> c = m_awaitingCheck.take(ticket);
        if (!c || c->isClosing())
            continue;
        const QByteArray sent = c->socket()->request().rawHeader(Protocol::PasswordHeader);
        if (SessionPassword::matches(m_config.password, sent))
            join(c); // whatever failed before, from this address or any other
        else
            holdRefusal(c, m_throttle.recordFailure(addressOf(c), now));
    }
    const qint64 next = m_throttle.msUntilNext(now);
    if (next >= 0)
        m_checkTimer.start(int(qBound(qint64(1), next, qint64(1000))));
}

void CollabServer::holdRefusal(ClientConnection *connection, qint64 delayMs)
{
    auto refuseWrong = [this](ClientConnection *c) {
        refuseAuth(c, Protocol::CloseWrongPassword, QStringLiteral("wrong password"),
                   QStringLiteral("wrong session password"));
    };
    // Held refusals keep their handshake slots; a quarter of the server's
    // handshakes at most, so that a guesser on many addresses cannot hold
    // them all: beyond that the oldest goes out early (its guess was checked).
    m_heldRefusals.removeAll(QPointer<ClientConnection>());
    if (m_heldRefusals.size() >= qMax(8, m_limits.limits().maxHandshakes / 4)) {
        if (const QPointer<ClientConnection> oldest = m_heldRefusals.takeFirst())
            refuseWrong(oldest);
    }
    const QPointer<ClientConnection> held(connection);
    m_heldRefusals.append(held);
    QTimer::singleShot(int(qMax<qint64>(0, delayMs)), connection, [this, held, refuseWrong] {
        m_heldRefusals.removeAll(held);
        if (held)
            refuseWrong(held);
    });
}

void CollabServer::refuseAuth(ClientConnection *connection, int code, const QString &reason, const QString &message)
{
    if (connection->isClosing())
        return;
    logRefusal(addressOf(connection), reason);
    // Qt 6.4 clients report some close codes as protocol errors: say it in a message first.
    connection->sendBytes(MessageFactory::error(Protocol::ErrorAuthFailed, message));
    connection->closeWith(QWebSocketProtocol::CloseCode(code), reason);
}

void CollabServer::join(ClientConnection *c)
{
    QWebSocket *socket = c->socket();
    const QString address = addressOf(c);
    const auto verdict = m_limits.join(quintptr(c->tcpSocket()));
    if (verdict != AddressLimits::Verdict::Admitted) {
        logRefusal(address, m_limits.describe(verdict));
        // Qt 6.4 clients cannot read close code 1013: say it in a message first.
        const QString reason = QStringLiteral("too many connections from your address");
        c->sendBytes(MessageFactory::error(Protocol::ErrorTooManyConnections,
                                           reason + QStringLiteral(" (%1)").arg(m_limits.limits().maxConnectionsPerAddress)));
        c->closeWith(CloseTryAgainLater, reason);
        return;
    }
    QString session, user, error;
    const QString path = socket->requestUrl().path(QUrl::FullyEncoded);
    if (!SessionUrl::parsePath(path, &session, &user, &error)) {
        qCInfo(lcServer).noquote() << "Refused" << address << "path" << path.left(200) << ":" << error;
        if (!error.contains(QLatin1String("/ws/")))
            error += QLatin1String("; expected /ws/<session_id>/<user_id>");
        c->closeWith(QWebSocketProtocol::CloseCodePolicyViolated, error.left(120));
        return;
    }
    ServerSession *s = sessionFor(session, &error);
    if (!s) {
        // The whole reason in a message (a close reason is cut at 123 bytes).
        c->sendBytes(MessageFactory::error(Protocol::ErrorStorageFailed,
                                           QStringLiteral("session \"%1\" %2").arg(session, error)));
        c->closeWith(QWebSocketProtocol::CloseCodeBadOperation, QStringLiteral("session cannot be loaded"));
        return;
    }
    if (s->isFull()) {
        qCInfo(lcServer).noquote() << "Refused" << user << ": session" << session << "is full";
        const QString reason = QStringLiteral("session is full (%1 users)").arg(m_config.maxUsersPerSession);
        c->sendBytes(MessageFactory::error(Protocol::ErrorSessionFull, reason));
        c->closeWith(CloseTryAgainLater, reason);
        return;
    }
    connect(c, &ClientConnection::textMessageReceived, this, &CollabServer::onClientText);
    m_connections.insert(c);
    s->join(c, user, s->userCount() == 0 ? otherSessions(s) : QList<MessageFactory::AckSession>());
    emit connectionCountChanged(connectionCount());
}

QList<MessageFactory::AckSession> CollabServer::otherSessions(const ServerSession *except) const
{
    QList<MessageFactory::AckSession> list;
    for (const ServerSession *s : m_sessions) {
        if (s != except && s->userCount() > 0)
            list.append({s->id(), s->userCount()});
    }
    std::sort(list.begin(), list.end(), [](const MessageFactory::AckSession &a, const MessageFactory::AckSession &b) {
        return a.users != b.users ? a.users > b.users : a.sessionId < b.sessionId;
    });
    if (list.size() > Protocol::MaxOtherSessions)
        list.resize(Protocol::MaxOtherSessions);
    return list;
}

ServerSession *CollabServer::sessionFor(const QString &id, QString *error)
{
    if (ServerSession *s = m_sessions.value(id))
        return s;
    auto *s = new ServerSession(id, m_config, m_store.get(), this);
    if (!s->load(error)) {
        delete s;
        *error = QStringLiteral("cannot be loaded: %1 (the server's log says how to recover it)").arg(*error);
        return nullptr;
    }
    s->setHistoryLimits(&m_historyBudget, &m_historyCost, &m_historyWriter);
    connect(s, &ServerSession::idle, this, [this](ServerSession *session) {
        if (session->userCount() > 0)
            return;
        if (!m_store) {
            // Nothing to read it back from: the scene stays, its history goes.
            session->trimHistory(0);
            return;
        }
        qCInfo(lcServer).noquote() << "Unloading idle session" << session->id();
        m_sessions.remove(session->id());
        session->setHistoryLimits(nullptr, nullptr); // it may outlive the server until deleted
        session->deleteLater();
    });
    m_sessions.insert(id, s);
    return s;
}

void CollabServer::onClientText(ClientConnection *connection, const QString &text)
{
    if (ServerSession *s = connection->session())
        s->handleText(connection, text);
}

void CollabServer::onClientDisconnected(ClientConnection *connection)
{
    connection->deleteLater();
    if (!m_connections.remove(connection))
        return; // refused, or gone while its password waited
    if (ServerSession *s = connection->session())
        s->leave(connection);
    emit connectionCountChanged(connectionCount());
}

void CollabServer::onKeepalive()
{
    const qint64 now = m_clock.elapsed();
    m_throttle.prune(now);
    for (const auto &[key, count] : m_refusalLog.prune(now))
        qCInfo(lcServer).noquote() << "Refused" << key << QStringLiteral("(%1 more in the last minute)").arg(count);
    const auto connections = m_connections;
    for (ClientConnection *c : connections) {
        if (c->idleMs() > m_config.keepaliveTimeoutMs) {
            qCInfo(lcServer).noquote() << "Dropping" << c->userId() << ": nothing received for" << c->idleMs() << "ms";
            c->abort();
        } else {
            c->sendKeepalivePing();
        }
    }
}

} // namespace Optiverse::Collab
