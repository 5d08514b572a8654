// SPDX-License-Identifier: MIT
// libFuzzer target: Beacon::parse, the gate every LAN beacon passes (UDP from
// anyone on the network). The first byte picks the sender address. Beyond
// "no crash, no UB": whatever parse accepts is within every documented bound,
// points only at the sender, and survives toDatagram() → parse() (whole, or
// as a marked prefix when re-encoding needs more than the size limit).
#include "Beacon.h"
#include "FuzzCheck.h"
#include "Protocol.h"

#include <QSet>

#include <cstddef>
#include <cstdint>

using namespace Optiverse::Collab;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const QHostAddress senders[] = {QHostAddress(QStringLiteral("127.0.0.1")),
                                           QHostAddress(QStringLiteral("192.168.1.10")),
                                           QHostAddress(QStringLiteral("10.0.0.1"))};
    const QHostAddress &sender = senders[data[0] % 3];
    const QByteArrayView datagram(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    Beacon b;
    QString error;
    if (!Beacon::parse(datagram, sender, &b, &error)) {
        FUZZ_CHECK(!error.isEmpty() && error.size() < 200);
        FUZZ_CHECK(b == Beacon());
        return 0;
    }
    FUZZ_CHECK(datagram.size() <= Beacon::MaxDatagramBytes);
    FUZZ_CHECK(Beacon::isValidServerName(b.name));
    FUZZ_CHECK(!b.instance.isEmpty() && b.instance.size() <= Beacon::MaxInstanceLength);
    FUZZ_CHECK(!b.urls.isEmpty() && b.urls.size() <= Beacon::MaxUrls);
    bool anyWss = false;
    for (const QUrl &url : b.urls) {
        FUZZ_CHECK(url.scheme() == QLatin1String("ws") || url.scheme() == QLatin1String("wss"));
        FUZZ_CHECK(QHostAddress(url.host()).isEqual(sender, QHostAddress::TolerantConversion));
        FUZZ_CHECK(url.port() >= 1 && url.port() <= 65535);
        FUZZ_CHECK(url.path().isEmpty() && url.userInfo().isEmpty() && !url.hasQuery() && !url.hasFragment());
        anyWss = anyWss || url.scheme() == QLatin1String("wss");
    }
    FUZZ_CHECK(b.fingerprint.isEmpty() || (anyWss && b.fingerprint.size() == 95));
    FUZZ_CHECK(b.sessions.size() <= Beacon::MaxSessions);
    QSet<QString> ids;
    for (const AdvertisedSession &s : b.sessions) {
        FUZZ_CHECK(!s.id.isEmpty() && s.id.size() <= Protocol::MaxNameLength && !ids.contains(s.id));
        ids.insert(s.id);
        FUZZ_CHECK(s.users >= 0 && s.users <= Beacon::MaxUsers);
        FUZZ_CHECK(s.names.size() <= Beacon::MaxNamesPerSession);
    }

    const QByteArray again = b.toDatagram();
    FUZZ_CHECK(again.size() <= Beacon::MaxDatagramBytes);
    Beacon back;
    if (!Beacon::parse(again, sender, &back, &error)) {
        std::fprintf(stderr, "re-parse failed: %s\n%s\n", qPrintable(error), again.left(2000).constData());
        std::abort();
    }
    if (back.truncated == b.truncated) {
        FUZZ_CHECK(back == b);
    } else {
        // Re-encoding took more room (e.g. a fingerprint written out with colons): a marked prefix.
        FUZZ_CHECK(back.truncated && back.sessions.size() <= b.sessions.size());
        for (qsizetype i = 0; i < back.sessions.size(); ++i)
            FUZZ_CHECK(back.sessions.at(i).id == b.sessions.at(i).id && back.sessions.at(i).users == b.sessions.at(i).users);
    }
    return 0;
}
