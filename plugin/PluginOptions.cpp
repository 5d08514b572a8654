// SPDX-License-Identifier: MIT
#include "PluginOptions.h"

#include "CertificateFingerprint.h"
#include "Protocol.h"
#include "SessionPassword.h"
#include "SessionUrl.h"

namespace Optiverse::Collab {

namespace {
const QStringList &knownOptions()
{
    static const QStringList options{QStringLiteral("--collab-connect"), QStringLiteral("--collab-session"),
                                     QStringLiteral("--collab-name"), QStringLiteral("--collab-host"),
                                     QStringLiteral("--collab-password-file"), QStringLiteral("--collab-pin"),
                                     QStringLiteral("--collab-password"), QStringLiteral("--collab-replay"),
                                     QStringLiteral("--collab-replay-until"), QStringLiteral("--collab-restore")};
    return options;
}

bool parseHostSpec(const QString &spec, QHostAddress *address, quint16 *port, QString *error)
{
    QString addr = QString(Protocol::DefaultListenAddress);
    QString portText = spec;
    const qsizetype colon = spec.lastIndexOf(QLatin1Char(':'));
    if (colon >= 0) {
        addr = spec.left(colon);
        portText = spec.mid(colon + 1);
    }
    if (addr == QLatin1String("localhost"))
        addr = QStringLiteral("127.0.0.1");
    bool ok = false;
    const uint p = portText.toUInt(&ok);
    if (!ok || p > 65535) {
        *error = QStringLiteral("--collab-host: \"%1\" is not a port (expected [ADDR:]PORT, e.g. 8765)").arg(spec);
        return false;
    }
    if (!address->setAddress(addr)) {
        *error = QStringLiteral("--collab-host: \"%1\" is not an IP address").arg(addr);
        return false;
    }
    *port = quint16(p);
    return true;
}
} // namespace

QString PluginOptions::defaultUserName()
{
    const QString user = qEnvironmentVariable("USER").trimmed();
    return user.isEmpty() ? QStringLiteral("user") : user.left(Protocol::MaxNameLength);
}

bool PluginOptions::parse(const QStringList &arguments, PluginOptions *out, QString *error)
{
    PluginOptions o;
    o.session = QString(Protocol::DefaultSession);
    o.name = defaultUserName();
    // What --collab-connect's path names, and what the options name: both
    // may be given, but must agree.
    QString urlSession, urlUser, optionSession, optionName;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        QString option = arguments.at(i);
        QString value;
        bool hasValue = false;
        if (const qsizetype eq = option.indexOf(QLatin1Char('=')); eq > 0 && option.startsWith(QLatin1String("--"))) {
            value = option.mid(eq + 1);
            option = option.left(eq);
            hasValue = true;
        }
        if (option == QLatin1String("--collab-no-advertise") && !hasValue) {
            o.advertise = false;
            continue;
        }
        if (!knownOptions().contains(option))
            continue;
        if (option == QLatin1String("--collab-password")) {
            // Other users see command lines (ps, /proc): never take a password there.
            *error = QStringLiteral("--collab-password is not supported: write the password on the first line of a "
                                    "file and use --collab-password-file FILE");
            return false;
        }
        if (!hasValue) {
            if (i + 1 >= arguments.size()) {
                *error = QStringLiteral("%1 needs a value").arg(option);
                return false;
            }
            value = arguments.at(++i);
        }
        if (option == QLatin1String("--collab-connect")) {
            QString why;
            if (!SessionUrl::parseJoinUrl(value, &o.connectUrl, &urlSession, &urlUser, &why)) {
                *error = QStringLiteral("--collab-connect: %1").arg(why);
                return false;
            }
        } else if (option == QLatin1String("--collab-session")) {
            if (!SessionUrl::validateName(value, QStringLiteral("--collab-session"), error))
                return false;
            o.session = optionSession = value;
        } else if (option == QLatin1String("--collab-name")) {
            if (!SessionUrl::validateName(value, QStringLiteral("--collab-name"), error))
                return false;
            o.name = optionName = value;
        } else if (option == QLatin1String("--collab-replay")) {
            o.replayFile = value;
        } else if (option == QLatin1String("--collab-replay-until") || option == QLatin1String("--collab-restore")) {
            bool ok = false;
            const qint64 seq = value.toLongLong(&ok);
            if (!ok || seq < 0) {
                *error = QStringLiteral("%1: \"%2\" is not a seq (a non-negative integer)").arg(option, value.left(64));
                return false;
            }
            (option == QLatin1String("--collab-restore") ? o.restoreSeq : o.replayUntil) = seq;
        } else if (option == QLatin1String("--collab-password-file")) {
            QString why;
            if (!SessionPassword::readFile(value, &o.password, &why)) {
                *error = QStringLiteral("--collab-password-file: %1").arg(why);
                return false;
            }
        } else if (option == QLatin1String("--collab-pin")) {
            QString why;
            if (!CertificateFingerprint::parse(value, &o.pinnedSha256, &why)) {
                *error = QStringLiteral("--collab-pin: %1").arg(why);
                return false;
            }
        } else {
            o.host = true;
            if (!parseHostSpec(value, &o.hostAddress, &o.hostPort, error))
                return false;
        }
    }
    if (!urlSession.isEmpty()) {
        if (!optionSession.isEmpty() && optionSession != urlSession) {
            *error = QStringLiteral("--collab-connect names session \"%1\" but --collab-session says \"%2\": "
                                    "give one of them").arg(urlSession, optionSession);
            return false;
        }
        o.session = urlSession;
    }
    if (!urlUser.isEmpty()) {
        if (!optionName.isEmpty() && optionName != urlUser) {
            *error = QStringLiteral("--collab-connect names user \"%1\" but --collab-name says \"%2\": "
                                    "give one of them").arg(urlUser, optionName);
            return false;
        }
        o.name = urlUser;
    }
    if (o.host && !o.connectUrl.isEmpty()) {
        *error = QStringLiteral("--collab-host and --collab-connect cannot be used together");
        return false;
    }
    if (!o.replayFile.isEmpty() && (o.host || !o.connectUrl.isEmpty())) {
        *error = QStringLiteral("--collab-replay plays a recording without connecting: it cannot be used with "
                                "--collab-connect or --collab-host");
        return false;
    }
    if (o.replayUntil >= 0 && o.replayFile.isEmpty()) {
        *error = QStringLiteral("--collab-replay-until needs --collab-replay FILE");
        return false;
    }
    if (o.restoreSeq >= 0 && !o.host && o.connectUrl.isEmpty()) {
        *error = QStringLiteral("--collab-restore needs --collab-connect or --collab-host");
        return false;
    }
    if (!o.pinnedSha256.isEmpty() && o.connectUrl.scheme() != QLatin1String("wss")) {
        *error = QStringLiteral("--collab-pin needs a wss:// URL in --collab-connect (the in-process server and "
                                "ws:// have no certificate)");
        return false;
    }
    *out = o;
    return true;
}

QString PluginOptions::help()
{
    return QStringLiteral("  --collab-connect ws://HOST:PORT  join the collaboration server at this URL; a shared\n"
                          "                                   ws://HOST:PORT/ws/SESSION[/USER] also sets the session\n"
                          "                                   (and your name)\n"
                          "  --collab-session NAME            session to join (default: default)\n"
                          "  --collab-name NAME               your display name (default: $USER)\n"
                          "  --collab-host [ADDR:]PORT        start the in-process server and join it\n"
                          "  --collab-password-file FILE      session password: first line of FILE (default: none;\n"
                          "                                   with --collab-host the server requires it)\n"
                          "  --collab-pin SHA256              wss:// only: trust the certificate with this SHA-256\n"
                          "                                   fingerprint (default: the system's CAs)\n"
                          "  --collab-no-advertise            with --collab-host: do not announce the server and its\n"
                          "                                   sessions on the LAN (default: announced)\n"
                          "  --collab-replay FILE             play a session recording into the scene without\n"
                          "                                   connecting (as remote changes, as fast as possible)\n"
                          "  --collab-replay-until SEQ        with --collab-replay: stop after operation SEQ\n"
                          "  --collab-restore SEQ             restore the session to SEQ right after joining\n");
}

} // namespace Optiverse::Collab
