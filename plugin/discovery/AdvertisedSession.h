// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>

namespace Optiverse::Collab {

/// One session as a server announces it on the LAN.
struct AdvertisedSession
{
    QString id;
    int users = 0;
    /// User names: only when the server was started with --advertise-names.
    QStringList names;

    bool operator==(const AdvertisedSession &o) const { return id == o.id && users == o.users && names == o.names; }
    bool operator!=(const AdvertisedSession &o) const { return !(*this == o); }
};

} // namespace Optiverse::Collab
