// SPDX-License-Identifier: MIT
#include "BeaconAdvertiser.h"

#include "Beacon.h"
#include "DiscoveryLog.h"

#include <QUdpSocket>
#include <QUuid>
#include <QVariant>

namespace Optiverse::Collab {

BeaconAdvertiser::BeaconAdvertiser(DiscoveryConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_instance(QUuid::createUuid().toString(QUuid::WithoutBraces))
{
    m_timer.setInterval(DiscoveryConfig::AnnounceIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, [this] { announce(false); });
    m_soon.setSingleShot(true);
    m_soon.setInterval(250);
    connect(&m_soon, &QTimer::timeout, this, [this] {
        if (m_timer.isActive())
            announce(false);
    });
}

BeaconAdvertiser::~BeaconAdvertiser()
{
    stop();
}

bool BeaconAdvertiser::start(QString *error)
{
    if (m_timer.isActive())
        return true;
    delete m_socket;
    m_socket = new QUdpSocket(this);
    // Bound to an ephemeral port so the socket exists and its options stick.
    if (!m_socket->bind(QHostAddress::AnyIPv4, 0)) {
        if (error)
            *error = QStringLiteral("cannot open a UDP socket: %1").arg(m_socket->errorString());
        delete m_socket;
        m_socket = nullptr;
        return false;
    }
    m_socket->setSocketOption(QAbstractSocket::MulticastTtlOption, QVariant(1));     // never beyond the LAN
    m_socket->setSocketOption(QAbstractSocket::MulticastLoopbackOption, QVariant(1)); // listeners on this machine too
    const QList<QNetworkInterface> interfaces = servedInterfaces();
    qCInfo(lcDiscovery).noquote() << "Announcing on" << DiscoveryConfig::describe(interfaces) << "(UDP"
                                  << QStringLiteral("%1:%2").arg(m_config.group.toString()).arg(m_config.port)
                                  << "every" << DiscoveryConfig::AnnounceIntervalMs / 1000 << "s)";
    m_timer.start();
    announce(false);
    return true;
}

void BeaconAdvertiser::stop()
{
    if (!m_timer.isActive())
        return;
    m_timer.stop();
    m_soon.stop();
    announce(true);
    delete m_socket;
    m_socket = nullptr;
}

void BeaconAdvertiser::announceSoon()
{
    if (m_timer.isActive() && !m_soon.isActive())
        m_soon.start();
}

QList<QNetworkInterface> BeaconAdvertiser::servedInterfaces() const
{
    QList<QNetworkInterface> result;
    const QHostAddress bound = m_server.boundAddress;
    const bool any = bound == QHostAddress::AnyIPv4 || bound == QHostAddress::Any;
    for (const QNetworkInterface &iface : m_config.interfaces()) {
        if (any) {
            result.append(iface);
            continue;
        }
        const auto entries = iface.addressEntries();
        if (std::any_of(entries.cbegin(), entries.cend(),
                        [&bound](const QNetworkAddressEntry &e) { return e.ip().isEqual(bound, QHostAddress::TolerantConversion); }))
            result.append(iface);
    }
    return result;
}

void BeaconAdvertiser::announce(bool bye)
{
    if (!m_socket)
        return;
    Beacon beacon;
    beacon.instance = m_instance;
    beacon.name = m_server.name;
    beacon.passwordRequired = m_server.passwordRequired;
    beacon.fingerprint = m_server.tls ? m_server.fingerprint : QString();
    beacon.bye = bye;
    if (!bye && m_sessions)
        beacon.sessions = m_sessions();
    const QString scheme = m_server.tls ? QStringLiteral("wss") : QStringLiteral("ws");
    const bool any = m_server.boundAddress == QHostAddress::AnyIPv4 || m_server.boundAddress == QHostAddress::Any;

    m_lastInterfaces.clear();
    for (const QNetworkInterface &iface : servedInterfaces()) {
        beacon.urls.clear();
        QList<QHostAddress> broadcasts;
        for (const QNetworkAddressEntry &e : iface.addressEntries()) {
            if (e.ip().protocol() != QAbstractSocket::IPv4Protocol)
                continue;
            if (!any && !e.ip().isEqual(m_server.boundAddress, QHostAddress::TolerantConversion))
                continue;
            if (beacon.urls.size() < Beacon::MaxUrls)
                beacon.urls.append(QUrl(QStringLiteral("%1://%2:%3").arg(scheme, e.ip().toString()).arg(m_server.port)));
            if (m_config.broadcast && !e.broadcast().isNull() && !broadcasts.contains(e.broadcast()))
                broadcasts.append(e.broadcast());
        }
        if (beacon.urls.isEmpty())
            continue;
        const QByteArray datagram = beacon.toDatagram();
        m_socket->setMulticastInterface(iface);
        m_socket->writeDatagram(datagram, m_config.group, m_config.port);
        for (const QHostAddress &b : std::as_const(broadcasts))
            m_socket->writeDatagram(datagram, b, m_config.port);
        m_lastInterfaces.append(iface.name());
    }
}

} // namespace Optiverse::Collab
