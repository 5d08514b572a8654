// SPDX-License-Identifier: MIT
#pragma once

#include "AddressLimits.h"
#include "CostBucket.h"
#include "HistoryBudget.h"
#include "MessageFactory.h"
#include "PasswordThrottle.h"
#include "RefusalLog.h"
#include "ServerConfig.h"

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QStringList>
#include <QThreadPool>
#include <QTimer>
#include <memory>

class QTcpServer;
class QTcpSocket;
class QWebSocket;
class QWebSocketServer;

namespace Optiverse::Collab {

class BeaconAdvertiser;
class ClientConnection;
class DnsSdAdvertiser;
struct AdvertisedSession;
class ServerSession;
class SessionStore;

/**
 * The Optiverse collaboration server: WebSocket endpoint
 * ws://HOST:PORT/ws/<session_id>/<user_id>, independent sessions with
 * server-held state, total order (seq), resume, limits and optional SQLite
 * durability. Used in-process by the plugin ("Host server") and by the
 * standalone optiverse-collab-server. Single-threaded: lives in the thread
 * whose event loop runs it.
 */
class CollabServer : public QObject
{
    Q_OBJECT
public:
    explicit CollabServer(ServerConfig config = {}, QObject *parent = nullptr);
    ~CollabServer() override;

    /// Starts listening; on failure returns false with a user-readable
    /// @p errorString ("Port 8765 on 0.0.0.0 is already in use").
    bool listen(const QHostAddress &address, quint16 port, QString *errorString);
    /// Closes every client with 1001 "server shutting down", stops listening.
    void close();
    bool isListening() const;
    quint16 port() const;
    QHostAddress address() const;
    /// URLs to give collaborators: ws://<each non-loopback IPv4>:port, or
    /// ws://127.0.0.1:port when listening on loopback (wss:// with TLS).
    QStringList shareUrls() const;
    /// True when clients must use wss:// (ServerConfig has a certificate).
    bool usesTls() const { return m_config.useTls(); }
    /// SHA-256 fingerprint "AB:CD:…" of the server certificate (empty without TLS).
    QString certificateFingerprint() const;
    int connectionCount() const;
    /// Sockets not joined to a session yet: handshakes, password checks, refusals under way.
    int handshakeCount() const { return m_limits.handshakes(); }
    /// The server-wide cap on sockets in force (ServerConfig::maxConnections,
    /// or what the descriptor limit leaves room for).
    int maxSockets() const { return m_limits.limits().maxSockets; }
    int sessionCount() const;
    /// The sessions as announced on the LAN: most users first, user names
    /// only with ServerConfig::advertiseNames.
    QList<AdvertisedSession> sessionSummaries() const;
    /// True while the server announces itself on the LAN.
    bool isAdvertising() const;
    const ServerConfig &config() const { return m_config; }
    /// For tests only (with ServerConfig::dataDir, once listening): the
    /// database may not grow beyond @p pages (0: no limit), so storing fails
    /// as on a full disk; see SessionStore::setMaxPageCount().
    bool setStorageMaxPageCount(qint64 pages);

signals:
    void connectionCountChanged(int count);
    void listeningChanged(bool listening);

private:
    void onTcpConnection();
    void onWebSocketConnection();
    void onClientText(ClientConnection *connection, const QString &text);
    void onClientDisconnected(ClientConnection *connection);
    void onKeepalive();
    ServerSession *sessionFor(const QString &id, QString *error);
    /// The sessions other than @p except that have members, most first, for
    /// the ack of someone alone in a session (Protocol::FieldOtherSessions).
    QList<MessageFactory::AckSession> otherSessions(const ServerSession *except) const;
    QTcpSocket *takeTcpSocket(QWebSocket *socket);
    /// Puts an upgraded connection whose password is right (or not needed)
    /// into its session, or refuses it (path, session, per-address cap).
    void join(ClientConnection *connection);
    /// Checks the passwords whose turn has come (PasswordThrottle).
    void checkPasswords();
    /// A wrong password: refused after @p delayMs.
    void holdRefusal(ClientConnection *connection, qint64 delayMs);
    void refuseAuth(ClientConnection *connection, int code, const QString &reason, const QString &message);
    /// One log line per address and reason a minute at most.
    void logRefusal(const QString &address, const QString &reason);
    static QString addressOf(const ClientConnection *connection);
    void startAdvertising();
    void stopAdvertising();

    ServerConfig m_config;
    QTcpServer *m_tcp = nullptr;
    QWebSocketServer *m_ws = nullptr;
    std::unique_ptr<SessionStore> m_store;
    QHash<QString, ServerSession *> m_sessions;
    HistoryBudget m_historyBudget;
    CostBucket m_historyCost;
    // One thread writes large history replies: the event loop keeps relaying
    // on the other core. Destroyed (waiting for its jobs) before the sessions' owner.
    QThreadPool m_historyWriter;
    QSet<ClientConnection *> m_connections;
    QHash<QString, QPointer<QTcpSocket>> m_handshaking; // "address|port" -> socket
    QTimer m_keepalive;
    QElapsedTimer m_clock; // for the limits below
    AddressLimits m_limits;
    RefusalLog m_refusalLog;
    PasswordThrottle m_throttle;
    QTimer m_checkTimer;                                    // next password check due
    QHash<quint64, QPointer<ClientConnection>> m_awaitingCheck; // throttle ticket -> connection
    quint64 m_nextTicket = 0;
    QList<QPointer<ClientConnection>> m_heldRefusals;       // oldest first
    BeaconAdvertiser *m_beacon = nullptr;
    DnsSdAdvertiser *m_dnsSd = nullptr;
};

} // namespace Optiverse::Collab
