// SPDX-License-Identifier: MIT
#pragma once

#include "BeaconAdvertiser.h"

#include <QObject>
#include <memory>

namespace Optiverse::Collab {

/**
 * Registers the server as a DNS-SD service (_optiverse._tcp) with the Avahi
 * daemon, TXT records carrying what the beacon carries. Built only when
 * libavahi-client was found at build time; without it, or without a running
 * daemon, start() logs one line and returns false (the UDP beacon still runs).
 */
class DnsSdAdvertiser : public QObject
{
    Q_OBJECT
public:
    static constexpr char ServiceType[] = "_optiverse._tcp";

    explicit DnsSdAdvertiser(QObject *parent = nullptr);
    ~DnsSdAdvertiser() override;

    /// True when built with libavahi-client.
    static bool isBuiltIn();
    /// Registers on the interfaces of @p config (all: every interface).
    bool start(const BeaconAdvertiser::Server &server, const DiscoveryConfig &config);
    /// Re-publishes the TXT records when the sessions changed.
    void setSessions(const QList<AdvertisedSession> &sessions);
    void stop();
    bool isRunning() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Optiverse::Collab
