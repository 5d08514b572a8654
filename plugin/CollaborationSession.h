// SPDX-License-Identifier: MIT
#pragma once

#include "CollabClient.h"
#include "SyncManager.h"

#include <QHostAddress>
#include <QObject>
#include <memory>

namespace Optiverse {
class IScene;
}

namespace Optiverse::Collab {

class CollabServer;

/**
 * What the user is doing with collaboration right now: an optional
 * in-process server, and the connection to a session with its sync.
 * The UI (menu, dialog, status widget) only observes and drives this.
 */
class CollaborationSession : public QObject
{
    Q_OBJECT
public:
    explicit CollaborationSession(Optiverse::IScene *scene, QObject *parent = nullptr);
    ~CollaborationSession() override;

    /// Starts the in-process server (plain ws://), requiring @p password
    /// unless it is empty. On failure (port in use…) returns false with a
    /// sentence in @p error.
    bool startServer(const QHostAddress &address, quint16 port, QString *error, const QString &password = {});
    void stopServer();
    bool isServerRunning() const;
    /// Whether the next startServer() announces the server and its sessions
    /// on the LAN (default: yes), under @p serverName (e.g. the user's name).
    void setAdvertising(bool advertise, const QString &serverName = {});
    bool isAdvertising() const { return m_advertise; }
    CollabServer *server() const { return m_server.get(); }
    /// URLs others can use to reach the in-process server (ws://HOST:PORT).
    QStringList shareUrls() const;
    /// The URLs to give others to join @p session there (ws://HOST:PORT/ws/SESSION).
    QStringList shareUrls(const QString &session) const;
    /// The URL to join our own server from this machine.
    QUrl localServerUrl() const;

    /// Joins @p session; @p password goes in the handshake (not the URL),
    /// @p pinnedSha256 (wss:// only) is the certificate digest to trust.
    void join(const QUrl &server, const QString &session, const QString &name, SyncManager::JoinMode mode,
              const QString &password = {}, const QByteArray &pinnedSha256 = {});
    /// Leaves the session (and keeps the server running).
    void leave();
    /// Leaves and stops the in-process server.
    void shutdown();

    CollabClient *client() { return &m_client; }
    SyncManager *sync() { return &m_sync; }

signals:
    void serverStateChanged(bool running);
    /// This user joined @p session on the in-process server: @p urls are
    /// what to give others (shareUrls(session)).
    void hostingSession(const QString &session, const QStringList &urls);

private:
    CollabClient m_client;
    SyncManager m_sync;
    std::unique_ptr<CollabServer> m_server;
    bool m_advertise = true;
    QString m_serverName;
};

} // namespace Optiverse::Collab
