// SPDX-License-Identifier: MIT
// optiverse-collab-discover: listens for LAN beacons for a while and lists
// the servers and sessions it heard about.
#include "BeaconListener.h"
#include "DiscoveryConfig.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QTextStream>
#include <QTimer>

using namespace Optiverse::Collab;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("optiverse-collab-discover"));
    QCoreApplication::setApplicationVersion(QStringLiteral("0.1.0"));
    QTextStream out(stdout);
    QTextStream err(stderr);

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Lists the Optiverse collaboration servers and sessions "
                                                    "announced on this network."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption timeout(QStringLiteral("timeout-ms"),
                                     QStringLiteral("How long to listen (default: 3000; servers announce every 2 s)."),
                                     QStringLiteral("MS"), QStringLiteral("3000"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print JSON: {\"servers\":[…]}."));
    const QCommandLineOption iface(QStringLiteral("interface"),
                                   QStringLiteral("Listen on this network interface only (repeatable; default: "
                                                  "$OPTIVERSE_DISCOVERY_INTERFACES, else all)."),
                                   QStringLiteral("NAME"));
    const QCommandLineOption port(QStringLiteral("port"),
                                  QStringLiteral("UDP port of the beacons (default: $OPTIVERSE_DISCOVERY_PORT, else %1).")
                                      .arg(DiscoveryConfig::DefaultPort),
                                  QStringLiteral("PORT"));
    parser.addOptions({timeout, json, iface, port});
    parser.process(app);
    if (!parser.positionalArguments().isEmpty()) {
        err << "optiverse-collab-discover: unexpected argument \"" << parser.positionalArguments().constFirst().left(100)
            << "\"\n";
        return 1;
    }
    bool ok = false;
    const int timeoutMs = parser.value(timeout).toInt(&ok);
    if (!ok || timeoutMs < 0 || timeoutMs > 3600000) {
        err << "optiverse-collab-discover: --timeout-ms expects a number of milliseconds from 0 to 3600000\n";
        return 1;
    }
    QString warning;
    DiscoveryConfig config = DiscoveryConfig::fromEnvironment(&warning);
    if (!warning.isEmpty())
        err << "optiverse-collab-discover: " << warning << "\n";
    if (parser.isSet(iface)) {
        config.allInterfaces = false;
        config.interfaceNames = parser.values(iface);
    }
    if (parser.isSet(port)) {
        const uint p = parser.value(port).toUInt(&ok);
        if (!ok || p < 1 || p > 65535) {
            err << "optiverse-collab-discover: --port expects a UDP port from 1 to 65535\n";
            return 1;
        }
        config.port = quint16(p);
    }

    BeaconListener listener(config);
    QString error;
    if (!listener.start(&error)) {
        err << "optiverse-collab-discover: " << error << "\n";
        return 1;
    }
    QTimer::singleShot(timeoutMs, &app, &QCoreApplication::quit);
    QCoreApplication::exec();

    const QList<DiscoveredServer> servers = listener.servers();
    if (parser.isSet(json)) {
        QJsonArray list;
        for (const DiscoveredServer &s : servers)
            list.append(s.toJson());
        out << QJsonDocument(QJsonObject{{QLatin1String("servers"), list}}).toJson(QJsonDocument::Compact) << "\n";
        return 0;
    }
    if (servers.isEmpty()) {
        out << "No Optiverse server announced itself within " << timeoutMs << " ms.\n"
            << "Multicast may be blocked on this network (or UDP port " << config.port
            << " by a firewall): typing the server's URL works as before.\n";
        return 0;
    }
    for (const DiscoveredServer &s : servers) {
        out << s.beacon.name << "  " << s.url().toString();
        if (s.beacon.passwordRequired)
            out << "  (password required)";
        out << "\n";
        if (!s.beacon.fingerprint.isEmpty())
            out << "    TLS certificate SHA-256 " << s.beacon.fingerprint << "\n";
        if (s.beacon.sessions.isEmpty())
            out << "    no session yet\n";
        for (const AdvertisedSession &session : s.beacon.sessions) {
            out << "    " << session.id << "  " << session.users << (session.users == 1 ? " user" : " users");
            if (!session.names.isEmpty())
                out << ": " << session.names.join(QLatin1String(", "));
            out << "\n";
        }
    }
    return 0;
}
