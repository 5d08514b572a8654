// SPDX-License-Identifier: MIT
#pragma once

#include "DiscoveredServer.h"
#include "DiscoveryConfig.h"

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QTimer>

class QUdpSocket;

namespace Optiverse::Collab {

/**
 * Listens for beacons on the chosen interfaces and keeps the list of servers
 * found, each forgotten DiscoveryConfig::ExpiryMs after its last beacon (or
 * at once on its "bye").
 *
 * Beacons are untrusted: each sender address may send RatePerSender
 * datagrams per second (more are dropped unread beyond the kernel's copy)
 * and announce at most MaxServersPerSender servers; at most MaxServers are
 * kept; at most ReadsPerWakeup datagrams are handled per event-loop pass.
 * serversChanged() is coalesced (at most every NotifyIntervalMs), so a flood
 * costs a bounded amount of work per second and never freezes a UI.
 */
class BeaconListener : public QObject
{
    Q_OBJECT
public:
    static constexpr int RatePerSender = 10;
    static constexpr int BurstPerSender = 20;
    static constexpr int MaxServersPerSender = 16;
    static constexpr int MaxServers = 256;
    static constexpr int MaxTrackedSenders = 1024;
    static constexpr int ReadsPerWakeup = 64;
    static constexpr int NotifyIntervalMs = 250;

    struct Stats
    {
        quint64 received = 0;    ///< datagrams read
        quint64 accepted = 0;    ///< valid beacons
        quint64 invalid = 0;     ///< failed Beacon::parse
        quint64 rateLimited = 0; ///< dropped by the per-sender limit or a full table
    };

    explicit BeaconListener(DiscoveryConfig config, QObject *parent = nullptr);
    ~BeaconListener() override;

    /// Binds the UDP port (shared with other listeners) and joins the group
    /// on every chosen interface. False with @p error if nothing could be bound.
    bool start(QString *error);
    void stop();
    bool isListening() const;

    /// Servers currently known, by name then URL.
    QList<DiscoveredServer> servers() const;
    Stats stats() const { return m_stats; }
    QString lastRejection() const { return m_lastRejection; }

signals:
    /// The list changed (coalesced).
    void serversChanged();

private:
    struct Bucket
    {
        double tokens = BurstPerSender;
        qint64 lastNs = 0;
    };

    void readPending();
    void handle(const QByteArray &datagram, const QHostAddress &sender);
    bool takeToken(quint32 sender);
    void expire();
    void changed();

    DiscoveryConfig m_config;
    QUdpSocket *m_socket = nullptr;
    QElapsedTimer m_clock;
    QHash<QString, DiscoveredServer> m_servers; // "sender/instance"
    QHash<quint32, Bucket> m_buckets;           // by IPv4 sender
    QTimer m_expiry;
    QTimer m_notify;
    bool m_dirty = false;
    Stats m_stats;
    QString m_lastRejection;
};

} // namespace Optiverse::Collab
