// SPDX-License-Identifier: MIT
#pragma once

#include "Beacon.h"

#include <QHostAddress>
#include <QJsonObject>

namespace Optiverse::Collab {

/// A server found on the LAN, as its last valid beacon described it.
struct DiscoveredServer
{
    QHostAddress sender; ///< where the beacon came from (every URL is on it)
    Beacon beacon;
    qint64 lastSeenMs = 0; ///< on the listener's monotonic clock
    qint64 firstSeenMs = 0; ///< the same clock: when this run was first heard from this address

    /// The URL to connect to: the first wss:// one, else the first.
    QUrl url() const;
    /// {"url","urls","name","password_required","fingerprint","sessions":[{"id","users"(,"names")}]}
    /// as optiverse-collab-discover --json prints it.
    QJsonObject toJson() const;
};

} // namespace Optiverse::Collab
