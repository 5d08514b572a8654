// SPDX-License-Identifier: MIT
#include "BeaconListener.h"

#include "DiscoveryLog.h"

#include <QUdpSocket>

#include <algorithm>
#include <tuple>

namespace Optiverse::Collab {

BeaconListener::BeaconListener(DiscoveryConfig config, QObject *parent) : QObject(parent), m_config(std::move(config))
{
    m_clock.start();
    m_expiry.setInterval(500);
    connect(&m_expiry, &QTimer::timeout, this, &BeaconListener::expire);
    m_notify.setSingleShot(true);
    m_notify.setInterval(NotifyIntervalMs);
    connect(&m_notify, &QTimer::timeout, this, [this] {
        if (m_dirty) {
            m_dirty = false;
            emit serversChanged();
        }
    });
}

BeaconListener::~BeaconListener() = default;

bool BeaconListener::start(QString *error)
{
    if (m_socket)
        return true;
    m_socket = new QUdpSocket(this);
    // Shared: the dialog, the command-line tool and other programs may all listen.
    if (!m_socket->bind(QHostAddress::AnyIPv4, m_config.port,
                        QAbstractSocket::ShareAddress | QAbstractSocket::ReuseAddressHint)) {
        if (error)
            *error = QStringLiteral("cannot listen on UDP port %1: %2").arg(m_config.port).arg(m_socket->errorString());
        delete m_socket;
        m_socket = nullptr;
        return false;
    }
    m_socket->setReadBufferSize(0);
    QStringList joined;
    for (const QNetworkInterface &iface : m_config.interfaces()) {
        if (m_socket->joinMulticastGroup(m_config.group, iface))
            joined.append(iface.name());
        else
            qCInfo(lcDiscovery).noquote() << "Cannot join" << m_config.group.toString() << "on" << iface.name() << ":"
                                          << m_socket->errorString();
    }
    qCDebug(lcDiscovery).noquote() << "Listening for beacons on UDP port" << m_config.port << "(group"
                                   << m_config.group.toString() << "on" << (joined.isEmpty() ? QStringLiteral("no interface") : joined.join(QLatin1String(", ")))
                                   << ")";
    connect(m_socket, &QUdpSocket::readyRead, this, &BeaconListener::readPending);
    m_expiry.start();
    return true;
}

void BeaconListener::stop()
{
    delete m_socket; // leaves the groups
    m_socket = nullptr;
    m_expiry.stop();
    m_buckets.clear();
    if (!m_servers.isEmpty()) {
        m_servers.clear();
        changed();
    }
}

bool BeaconListener::isListening() const
{
    return m_socket != nullptr;
}

QList<DiscoveredServer> BeaconListener::servers() const
{
    // A server announces on each of its interfaces: one run (one instance)
    // heard from several addresses is one row. This machine's loopback is
    // preferred (it is surely reachable, and nobody else can send from it),
    // then the address heard first (a copy from elsewhere cannot displace
    // the row people already see), so the choice does not flicker.
    QHash<QString, DiscoveredServer> byInstance;
    for (const DiscoveredServer &s : m_servers) {
        const QString key = s.beacon.instance + QLatin1Char('\n') + s.beacon.name;
        const auto found = byInstance.find(key);
        if (found == byInstance.end()) {
            byInstance.insert(key, s);
            continue;
        }
        const auto rank = [](const DiscoveredServer &d) {
            return std::make_tuple(!d.sender.isLoopback(), d.firstSeenMs, d.sender.toString());
        };
        if (rank(s) < rank(*found))
            *found = s;
    }
    QList<DiscoveredServer> list = byInstance.values();
    std::sort(list.begin(), list.end(), [](const DiscoveredServer &a, const DiscoveredServer &b) {
        const int byName = QString::localeAwareCompare(a.beacon.name, b.beacon.name);
        return byName != 0 ? byName < 0 : a.url().toString() < b.url().toString();
    });
    return list;
}

void BeaconListener::readPending()
{
    // A bounded batch per wakeup: under a flood the event loop still runs
    // everything else between batches (the socket notifier fires again).
    char buffer[Beacon::MaxDatagramBytes + 1];
    for (int i = 0; i < ReadsPerWakeup && m_socket && m_socket->hasPendingDatagrams(); ++i) {
        QHostAddress sender;
        const qint64 size = m_socket->readDatagram(buffer, sizeof buffer, &sender);
        if (size < 0)
            break;
        ++m_stats.received;
        bool isV4 = false;
        const quint32 v4 = sender.toIPv4Address(&isV4);
        if (!isV4 || !takeToken(v4)) {
            ++m_stats.rateLimited;
            continue;
        }
        if (size > Beacon::MaxDatagramBytes) {
            ++m_stats.invalid;
            m_lastRejection = QStringLiteral("larger than %1 bytes").arg(Beacon::MaxDatagramBytes);
            continue;
        }
        handle(QByteArray(buffer, int(size)), QHostAddress(v4));
    }
}

bool BeaconListener::takeToken(quint32 sender)
{
    const qint64 now = m_clock.nsecsElapsed();
    auto it = m_buckets.find(sender);
    if (it == m_buckets.end()) {
        if (m_buckets.size() >= MaxTrackedSenders) {
            // Forget senders whose buckets are full again (idle for 2 s).
            for (auto b = m_buckets.begin(); b != m_buckets.end();)
                b = now - b->lastNs > 2'000'000'000LL ? m_buckets.erase(b) : std::next(b);
            if (m_buckets.size() >= MaxTrackedSenders)
                return false;
        }
        it = m_buckets.insert(sender, Bucket{double(BurstPerSender), now});
    }
    it->tokens = std::min(double(BurstPerSender), it->tokens + double(now - it->lastNs) * RatePerSender / 1e9);
    it->lastNs = now;
    if (it->tokens < 1.0)
        return false;
    it->tokens -= 1.0;
    return true;
}

void BeaconListener::handle(const QByteArray &datagram, const QHostAddress &sender)
{
    Beacon beacon;
    QString why;
    if (!Beacon::parse(datagram, sender, &beacon, &why)) {
        ++m_stats.invalid;
        m_lastRejection = why;
        qCDebug(lcDiscovery).noquote() << "Ignored a beacon from" << sender.toString() << ":" << why;
        return;
    }
    ++m_stats.accepted;
    const QString key = sender.toString() + QLatin1Char('/') + beacon.instance;
    auto it = m_servers.find(key);
    if (beacon.bye) {
        if (it != m_servers.end()) {
            m_servers.erase(it);
            changed();
        }
        return;
    }
    if (it == m_servers.end()) {
        const QString prefix = sender.toString() + QLatin1Char('/');
        const auto fromSender = std::count_if(m_servers.keyBegin(), m_servers.keyEnd(),
                                              [&prefix](const QString &k) { return k.startsWith(prefix); });
        if (fromSender >= MaxServersPerSender || m_servers.size() >= MaxServers) {
            ++m_stats.rateLimited;
            return;
        }
        it = m_servers.insert(key, DiscoveredServer{sender, beacon, 0, m_clock.elapsed()});
        changed();
    } else if (it->beacon != beacon) {
        it->beacon = beacon;
        changed();
    }
    it->lastSeenMs = m_clock.elapsed();
}

void BeaconListener::expire()
{
    const qint64 now = m_clock.elapsed();
    bool removed = false;
    for (auto it = m_servers.begin(); it != m_servers.end();) {
        if (now - it->lastSeenMs > DiscoveryConfig::ExpiryMs) {
            it = m_servers.erase(it);
            removed = true;
        } else {
            ++it;
        }
    }
    if (removed)
        changed();
}

void BeaconListener::changed()
{
    m_dirty = true;
    if (!m_notify.isActive())
        m_notify.start();
}

} // namespace Optiverse::Collab
