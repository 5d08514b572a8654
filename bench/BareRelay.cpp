// SPDX-License-Identifier: MIT
//
// optiverse-bare-relay: the performance floor for any Qt WebSockets server.
//
// A session-isolated relay with no parsing and no state: the session is the
// second segment of the request path (/ws/<session>/<user>) and every text
// message is sent verbatim to the other members of the same session. It sends
// a minimal connection:ack so benchmark clients know they joined, and nothing
// else (sync:request is relayed like any other message, never answered).
//
// It uses its own QTcpServer so it can set TCP_NODELAY on accepted sockets
// before handing them to QWebSocketServer::handleConnection.

#include "BenchUtil.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QHash>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTextStream>
#include <QUrl>
#include <QWebSocket>
#include <QWebSocketServer>

#include <cstdio>

namespace {

struct Session
{
    QString id;
    QList<QWebSocket *> members;
};

class BareRelay : public QObject
{
public:
    BareRelay(bool lowDelay, bool isolate)
        : m_lowDelay(lowDelay)
        , m_isolate(isolate)
        , m_ws(QStringLiteral("optiverse-bare-relay"), QWebSocketServer::NonSecureMode)
    {
        // Upgraded sockets are taken as soon as they appear.
        m_ws.setMaxPendingConnections(1 << 20);
        m_tcp.setMaxPendingConnections(1 << 20);
        QObject::connect(&m_tcp, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_tcp.nextPendingConnection()) {
                if (m_lowDelay)
                    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
                // Qt 6.4 leaves the socket a child of the QTcpServer after the
                // upgrade: remember it so it can go with its QWebSocket.
                const PeerKey key {socket->peerAddress().toString(), socket->peerPort()};
                m_handshaking.insert(key, socket);
                QObject::connect(socket, &QTcpSocket::disconnected, this, [this, key, socket] {
                    const auto it = m_handshaking.find(key);
                    if (it != m_handshaking.end() && it.value() == socket) {
                        m_handshaking.erase(it); // never upgraded
                        socket->deleteLater();
                    }
                });
                m_ws.handleConnection(socket);
            }
        });
        QObject::connect(&m_ws, &QWebSocketServer::newConnection, this, [this] {
            while (QWebSocket *ws = m_ws.nextPendingConnection())
                accept(ws);
        });
    }

    ~BareRelay() override
    {
        for (Session *s : std::as_const(m_sessions))
            delete s;
    }

    bool listen(const QHostAddress &address, quint16 port) { return m_tcp.listen(address, port); }
    quint16 port() const { return m_tcp.serverPort(); }

private:
    void accept(QWebSocket *ws)
    {
        const auto it = m_handshaking.find(PeerKey {ws->peerAddress().toString(), ws->peerPort()});
        if (it != m_handshaking.end()) {
            QObject::disconnect(it.value(), nullptr, this, nullptr);
            it.value()->setParent(ws);
            m_handshaking.erase(it);
        }
        // "/ws/<session>/<user>" -> ["", "ws", session, user]
        const QStringList parts = ws->requestUrl().path().split(QLatin1Char('/'));
        const QString sessionId = parts.value(2);
        const QString userId = parts.value(3);

        Session *&slot = m_sessions[sessionId];
        if (!slot) {
            slot = new Session;
            slot->id = sessionId;
        }
        Session *session = slot;
        const bool first = session->members.isEmpty();
        session->members.append(ws);

        if (m_isolate) {
            QObject::connect(ws, &QWebSocket::textMessageReceived, this,
                             [session, ws](const QString &message) {
                                 for (QWebSocket *other : std::as_const(session->members)) {
                                     if (other != ws)
                                         other->sendTextMessage(message);
                                 }
                             });
        } else {
            // The original server's defect, to check that the benchmark sees it.
            QObject::connect(ws, &QWebSocket::textMessageReceived, this, [this, ws](const QString &message) {
                for (const Session *s : std::as_const(m_sessions)) {
                    for (QWebSocket *other : s->members) {
                        if (other != ws)
                            other->sendTextMessage(message);
                    }
                }
            });
        }
        QObject::connect(ws, &QWebSocket::disconnected, this, [this, session, ws] { drop(session, ws); });

        QJsonObject ack;
        ack.insert(QStringLiteral("type"), QStringLiteral("connection:ack"));
        ack.insert(QStringLiteral("session_id"), sessionId);
        ack.insert(QStringLiteral("user_id"), userId);
        ack.insert(QStringLiteral("is_host"), first);
        ack.insert(QStringLiteral("users"), QJsonArray());
        ws->sendTextMessage(QString::fromUtf8(QJsonDocument(ack).toJson(QJsonDocument::Compact)));
    }

    void drop(Session *session, QWebSocket *ws)
    {
        QObject::disconnect(ws, nullptr, this, nullptr);
        session->members.removeOne(ws);
        ws->deleteLater();
        if (session->members.isEmpty()) {
            m_sessions.remove(session->id);
            delete session;
        }
    }

    bool m_lowDelay = true;
    bool m_isolate = true;
    QTcpServer m_tcp;
    QWebSocketServer m_ws;
    QHash<QString, Session *> m_sessions;
    using PeerKey = QPair<QString, quint16>;
    QHash<PeerKey, QTcpSocket *> m_handshaking;
};

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("optiverse-bare-relay"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Session-isolated WebSocket relay without parsing or state: the floor for benchmarks."));
    parser.addHelpOption();
    const QCommandLineOption hostOpt(QStringLiteral("host"), QStringLiteral("Listen address (default 127.0.0.1)."),
                                     QStringLiteral("address"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption portOpt(QStringLiteral("port"), QStringLiteral("Listen port (0 = any free port)."),
                                     QStringLiteral("port"), QStringLiteral("8765"));
    const QCommandLineOption nagleOpt(QStringLiteral("nagle"),
                                      QStringLiteral("Leave Nagle's algorithm on for accepted sockets "
                                                     "(what a plain QWebSocketServer does), to show its cost."));
    const QCommandLineOption leakOpt(QStringLiteral("no-isolation"),
                                     QStringLiteral("Relay to every connection on the server, like the original "
                                                    "server (to check that the benchmark reports cross-session "
                                                    "deliveries)."));
    parser.addOption(leakOpt);
    parser.addOption(hostOpt);
    parser.addOption(portOpt);
    parser.addOption(nagleOpt);
    parser.process(app);

    QTextStream err(stderr);
    QHostAddress address;
    if (!address.setAddress(parser.value(hostOpt))) {
        err << "optiverse-bare-relay: invalid --host " << parser.value(hostOpt) << Qt::endl;
        return 2;
    }
    bool ok = false;
    const uint port = parser.value(portOpt).toUInt(&ok);
    if (!ok || port > 65535) {
        err << "optiverse-bare-relay: invalid --port " << parser.value(portOpt) << Qt::endl;
        return 2;
    }
    OptiverseBench::raiseFileLimit();

    BareRelay relay(!parser.isSet(nagleOpt), !parser.isSet(leakOpt));
    if (!relay.listen(address, quint16(port))) {
        err << "optiverse-bare-relay: cannot listen on " << address.toString() << ':' << port << Qt::endl;
        return 1;
    }
    std::printf("Listening on ws://%s:%u\nReady.\n", qPrintable(address.toString()), unsigned(relay.port()));
    std::fflush(stdout);
    return app.exec();
}
