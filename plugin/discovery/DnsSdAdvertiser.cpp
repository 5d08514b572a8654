// SPDX-License-Identifier: MIT
#include "DnsSdAdvertiser.h"

#include "DiscoveryLog.h"

#ifdef OPTIVERSE_HAVE_AVAHI
#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/strlst.h>
#include <avahi-common/thread-watch.h>
#endif

namespace Optiverse::Collab {

#ifdef OPTIVERSE_HAVE_AVAHI

// Avahi runs its callbacks on its own thread (threaded poll); everything here
// that touches the client or the group holds the poll's lock.
struct DnsSdAdvertiser::Private
{
    AvahiThreadedPoll *poll = nullptr;
    AvahiClient *client = nullptr;
    AvahiEntryGroup *group = nullptr;
    char *name = nullptr; // avahi_malloc'd: changed on a name collision
    BeaconAdvertiser::Server server;
    QList<int> interfaces; // AVAHI_IF_UNSPEC alone for all
    QList<AdvertisedSession> sessions;

    AvahiStringList *txt() const
    {
        AvahiStringList *list = nullptr;
        list = avahi_string_list_add_pair(list, "v", "1");
        list = avahi_string_list_add_pair(list, "protocol", "1");
        list = avahi_string_list_add_pair(list, "password_required", server.passwordRequired ? "true" : "false");
        list = avahi_string_list_add_pair(list, "scheme", server.tls ? "wss" : "ws");
        if (server.tls)
            list = avahi_string_list_add_pair(list, "fingerprint", server.fingerprint.toLatin1().constData());
        // "id:users,…" within one 255-byte TXT string: as many sessions as fit.
        QByteArray value;
        for (const AdvertisedSession &s : sessions) {
            const QByteArray entry = s.id.toUtf8().replace(',', ' ').replace(':', ' ') + ':' + QByteArray::number(s.users);
            if (value.size() + entry.size() + 1 > 240)
                break;
            value += (value.isEmpty() ? QByteArray() : QByteArray(",")) + entry;
        }
        return avahi_string_list_add_pair(list, "sessions", value.constData());
    }

    void publish()
    {
        if (!group)
            group = avahi_entry_group_new(client, &Private::groupCallback, this);
        if (!group)
            return;
        avahi_entry_group_reset(group);
        AvahiStringList *records = txt();
        for (int iface : std::as_const(interfaces)) {
            const int rc = avahi_entry_group_add_service_strlst(group, iface, AVAHI_PROTO_INET, AvahiPublishFlags(0), name,
                                                                DnsSdAdvertiser::ServiceType, nullptr, nullptr,
                                                                server.port, records);
            if (rc == AVAHI_ERR_COLLISION) {
                rename();
                avahi_string_list_free(records);
                publish();
                return;
            }
            if (rc < 0)
                qCInfo(lcDiscovery) << "DNS-SD: cannot add the service:" << avahi_strerror(rc);
        }
        avahi_string_list_free(records);
        avahi_entry_group_commit(group);
    }

    void rename()
    {
        char *next = avahi_alternative_service_name(name);
        avahi_free(name);
        name = next;
    }

    static void groupCallback(AvahiEntryGroup *g, AvahiEntryGroupState state, void *userdata)
    {
        auto *d = static_cast<Private *>(userdata);
        d->group = g;
        if (state == AVAHI_ENTRY_GROUP_COLLISION) {
            d->rename();
            d->publish();
        }
    }

    static void clientCallback(AvahiClient *c, AvahiClientState state, void *userdata)
    {
        auto *d = static_cast<Private *>(userdata);
        d->client = c;
        if (state == AVAHI_CLIENT_S_RUNNING)
            d->publish();
        else if ((state == AVAHI_CLIENT_S_COLLISION || state == AVAHI_CLIENT_S_REGISTERING) && d->group)
            avahi_entry_group_reset(d->group);
    }
};

DnsSdAdvertiser::DnsSdAdvertiser(QObject *parent) : QObject(parent) {}

DnsSdAdvertiser::~DnsSdAdvertiser()
{
    stop();
}

bool DnsSdAdvertiser::isBuiltIn() { return true; }

bool DnsSdAdvertiser::start(const BeaconAdvertiser::Server &server, const DiscoveryConfig &config)
{
    stop();
    auto p = std::make_unique<Private>();
    p->server = server;
    p->name = avahi_strdup(server.name.toUtf8().constData());
    const bool anyAddress = server.boundAddress == QHostAddress::AnyIPv4 || server.boundAddress == QHostAddress::Any;
    if (config.allInterfaces && anyAddress) {
        p->interfaces = {AVAHI_IF_UNSPEC};
    } else {
        // Only where the server can be reached, as for the beacon.
        for (const QNetworkInterface &iface : config.interfaces()) {
            const auto entries = iface.addressEntries();
            if (anyAddress || std::any_of(entries.cbegin(), entries.cend(), [&server](const QNetworkAddressEntry &e) {
                    return e.ip().isEqual(server.boundAddress, QHostAddress::TolerantConversion);
                }))
                p->interfaces.append(iface.index());
        }
    }
    if (p->interfaces.isEmpty()) {
        avahi_free(p->name);
        return false;
    }
    p->poll = avahi_threaded_poll_new();
    int error = 0;
    // Without AVAHI_CLIENT_NO_FAIL a missing daemon fails here, at once.
    p->client = p->poll ? avahi_client_new(avahi_threaded_poll_get(p->poll), AvahiClientFlags(0),
                                           &Private::clientCallback, p.get(), &error)
                        : nullptr;
    if (!p->client) {
        qCInfo(lcDiscovery).noquote() << QStringLiteral("DNS-SD: no Avahi daemon reachable (%1); announcing with the "
                                                        "UDP beacon only")
                                             .arg(QString::fromUtf8(avahi_strerror(error)));
        if (p->poll)
            avahi_threaded_poll_free(p->poll);
        avahi_free(p->name);
        return false;
    }
    avahi_threaded_poll_start(p->poll);
    qCInfo(lcDiscovery).noquote() << "DNS-SD: announcing" << ServiceType << "as" << server.name;
    d = std::move(p);
    return true;
}

void DnsSdAdvertiser::setSessions(const QList<AdvertisedSession> &sessions)
{
    if (!d)
        return;
    avahi_threaded_poll_lock(d->poll);
    d->sessions = sessions;
    if (d->group && avahi_client_get_state(d->client) == AVAHI_CLIENT_S_RUNNING) {
        AvahiStringList *records = d->txt();
        for (int iface : std::as_const(d->interfaces))
            avahi_entry_group_update_service_txt_strlst(d->group, iface, AVAHI_PROTO_INET, AvahiPublishFlags(0), d->name,
                                                        ServiceType, nullptr, records);
        avahi_string_list_free(records);
    }
    avahi_threaded_poll_unlock(d->poll);
}

void DnsSdAdvertiser::stop()
{
    if (!d)
        return;
    avahi_threaded_poll_stop(d->poll);
    avahi_client_free(d->client); // frees the group too
    avahi_threaded_poll_free(d->poll);
    avahi_free(d->name);
    d.reset();
}

bool DnsSdAdvertiser::isRunning() const { return d != nullptr; }

#else

struct DnsSdAdvertiser::Private
{
};

DnsSdAdvertiser::DnsSdAdvertiser(QObject *parent) : QObject(parent) {}
DnsSdAdvertiser::~DnsSdAdvertiser() = default;
bool DnsSdAdvertiser::isBuiltIn() { return false; }

bool DnsSdAdvertiser::start(const BeaconAdvertiser::Server &, const DiscoveryConfig &)
{
    qCInfo(lcDiscovery) << "DNS-SD: built without libavahi-client; announcing with the UDP beacon only";
    return false;
}

void DnsSdAdvertiser::setSessions(const QList<AdvertisedSession> &) {}
void DnsSdAdvertiser::stop() {}
bool DnsSdAdvertiser::isRunning() const { return false; }

#endif

} // namespace Optiverse::Collab
