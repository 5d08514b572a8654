// SPDX-License-Identifier: MIT
#pragma once

#include "AdvertisedSession.h"
#include "DiscoveryConfig.h"

#include <QHostAddress>
#include <QObject>
#include <QTimer>
#include <functional>

class QUdpSocket;

namespace Optiverse::Collab {

class Beacon;

/**
 * Sends a server's beacon every DiscoveryConfig::AnnounceIntervalMs on each
 * chosen interface the server listens on: to the multicast group (TTL 1) and,
 * where the interface has one, to its broadcast address. Each interface's
 * beacon carries the URLs of that interface's addresses.
 *
 * Sending never waits: a datagram the kernel cannot take is dropped (the
 * next one follows 2 s later). Lives in the server's thread.
 */
class BeaconAdvertiser : public QObject
{
    Q_OBJECT
public:
    struct Server
    {
        QString name;
        bool tls = false;
        QHostAddress boundAddress; ///< what the server listens on (Any: every interface)
        quint16 port = 0;
        bool passwordRequired = false;
        QString fingerprint; ///< "AB:CD:…" with TLS
    };

    explicit BeaconAdvertiser(DiscoveryConfig config, QObject *parent = nullptr);
    ~BeaconAdvertiser() override;

    void setServer(const Server &server) { m_server = server; }
    /// Called at each beacon for the sessions to announce (in the advertiser's thread).
    void setSessionsProvider(std::function<QList<AdvertisedSession>()> provider) { m_sessions = std::move(provider); }

    /// Starts announcing (the first beacon goes out at once) and logs one line
    /// saying where. False with @p error when no socket could be opened.
    bool start(QString *error);
    /// Sends a last beacon marked "bye" so listeners drop the server at once.
    void stop();
    bool isRunning() const { return m_timer.isActive(); }
    /// Sends the beacon now (e.g. a session appeared); at most once per 250 ms.
    void announceSoon();
    /// Interfaces the last beacon went out on.
    QStringList interfaceNames() const { return m_lastInterfaces; }

private:
    void announce(bool bye);
    QList<QNetworkInterface> servedInterfaces() const;

    DiscoveryConfig m_config;
    Server m_server;
    std::function<QList<AdvertisedSession>()> m_sessions;
    QUdpSocket *m_socket = nullptr;
    QString m_instance;
    QTimer m_timer;
    QTimer m_soon;
    QStringList m_lastInterfaces;
};

} // namespace Optiverse::Collab
