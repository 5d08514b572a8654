// SPDX-License-Identifier: MIT
#include "DnsSdAdvertiser.h"

#include "DiscoveryLog.h"

namespace Optiverse::Collab {

#ifndef OPTIVERSE_HAVE_AVAHI

struct DnsSdAdvertiser::Private
{
};

DnsSdAdvertiser::DnsSdAdvertiser(QObject *parent) : QObject(parent) {}
DnsSdAdvertiser::~DnsSdAdvertiser() = default;
bool DnsSdAdvertiser::isBuiltIn() { return false; }

bool DnsSdAdvertiser::start(const BeaconAdvertiser::Server &)
{
    qCInfo(lcDiscovery) << "DNS-SD: built without libavahi-client; announcing with the UDP beacon only";
    return false;
}

void DnsSdAdvertiser::setSessions(const QList<AdvertisedSession> &) {}
void DnsSdAdvertiser::stop() {}
bool DnsSdAdvertiser::isRunning() const { return false; }

#endif

} // namespace Optiverse::Collab
