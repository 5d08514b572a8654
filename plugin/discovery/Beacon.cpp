// SPDX-License-Identifier: MIT
#include "Beacon.h"

#include "CertificateFingerprint.h"
#include "Protocol.h"
#include "SessionUrl.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

#include <cmath>

namespace Optiverse::Collab {

namespace {
// Field names: also the JSON output of optiverse-collab-discover.
const QLatin1String KeyMagic("optiverse");
const QLatin1String MagicValue("beacon");
const QLatin1String KeyVersion("v");
const QLatin1String KeyProtocol("protocol");
const QLatin1String KeyInstance("instance");
const QLatin1String KeyName("name");
const QLatin1String KeyUrls("urls");
const QLatin1String KeyPassword("password_required");
const QLatin1String KeyFingerprint("fingerprint");
const QLatin1String KeySessions("sessions");
const QLatin1String KeyId("id");
const QLatin1String KeyUsers("users");
const QLatin1String KeyNames("names");
const QLatin1String KeyBye("bye");
const QLatin1String KeyTruncated("truncated");

bool isInteger(const QJsonValue &v, qint64 min, qint64 max, qint64 *out)
{
    if (!v.isDouble())
        return false;
    const double d = v.toDouble();
    if (!std::isfinite(d) || d != std::floor(d) || d < double(min) || d > double(max))
        return false;
    *out = qint64(d);
    return true;
}

bool isValidInstance(const QString &s)
{
    if (s.isEmpty() || s.size() > Beacon::MaxInstanceLength)
        return false;
    return std::all_of(s.cbegin(), s.cend(), [](QChar c) {
        return (c >= QLatin1Char('a') && c <= QLatin1Char('z')) || (c >= QLatin1Char('A') && c <= QLatin1Char('Z'))
            || (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || c == QLatin1Char('-');
    });
}

bool isOptionalBool(const QJsonObject &o, QLatin1String key, bool *out)
{
    const QJsonValue v = o.value(key);
    if (v.isUndefined()) {
        *out = false;
        return true;
    }
    if (!v.isBool())
        return false;
    *out = v.toBool();
    return true;
}

// ws[s]://IP:PORT with nothing else; its host must be @p sender.
bool parseUrl(const QJsonValue &v, const QHostAddress &sender, QUrl *out, bool *onSender, QString *why)
{
    if (!v.isString() || v.toString().size() > Beacon::MaxUrlLength) {
        *why = QStringLiteral("a URL is not a string of at most %1 characters").arg(Beacon::MaxUrlLength);
        return false;
    }
    const QUrl url(v.toString(), QUrl::StrictMode);
    const QString scheme = url.scheme();
    if (!url.isValid() || (scheme != QLatin1String("ws") && scheme != QLatin1String("wss"))) {
        *why = QStringLiteral("a URL is not ws:// or wss://");
        return false;
    }
    const QHostAddress host(url.host());
    if (host.isNull() || url.port() < 1 || !url.userInfo().isEmpty() || url.hasQuery() || url.hasFragment()
        || !(url.path().isEmpty() || url.path() == QLatin1String("/"))) {
        *why = QStringLiteral("a URL is not ws[s]://IP:PORT");
        return false;
    }
    *onSender = host.isEqual(sender, QHostAddress::TolerantConversion);
    *out = QUrl(scheme + QLatin1String("://") + url.authority());
    return true;
}
} // namespace

bool Beacon::operator==(const Beacon &o) const
{
    return instance == o.instance && name == o.name && urls == o.urls && passwordRequired == o.passwordRequired
        && fingerprint == o.fingerprint && sessions == o.sessions && bye == o.bye && truncated == o.truncated;
}

bool Beacon::isValidServerName(const QString &name)
{
    if (name.trimmed().isEmpty() || name.size() > Protocol::MaxNameLength)
        return false;
    return std::none_of(name.cbegin(), name.cend(), [](QChar c) {
        return c.category() == QChar::Other_Control || c.category() == QChar::Other_Format
            || c.category() == QChar::Separator_Line || c.category() == QChar::Separator_Paragraph;
    });
}

QByteArray Beacon::serialise(int sessionCount, bool withNames) const
{
    QJsonObject o;
    o.insert(KeyMagic, MagicValue);
    o.insert(KeyVersion, FormatVersion);
    o.insert(KeyProtocol, ProtocolVersion);
    o.insert(KeyInstance, instance);
    o.insert(KeyName, name);
    QJsonArray urlArray;
    for (const QUrl &url : urls)
        urlArray.append(url.toString(QUrl::FullyEncoded));
    o.insert(KeyUrls, urlArray);
    o.insert(KeyPassword, passwordRequired);
    o.insert(KeyFingerprint, fingerprint.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(fingerprint));
    QJsonArray sessionArray;
    for (int i = 0; i < sessionCount; ++i) {
        const AdvertisedSession &s = sessions.at(i);
        QJsonObject so{{KeyId, s.id}, {KeyUsers, s.users}};
        if (withNames && !s.names.isEmpty())
            so.insert(KeyNames, QJsonArray::fromStringList(s.names.mid(0, MaxNamesPerSession)));
        sessionArray.append(so);
    }
    o.insert(KeySessions, sessionArray);
    if (bye)
        o.insert(KeyBye, true);
    const bool namesLeftOut = std::any_of(sessions.cbegin(), sessions.cbegin() + sessionCount, [withNames](const AdvertisedSession &s) {
        return s.names.size() > (withNames ? MaxNamesPerSession : 0);
    });
    if (truncated || sessionCount < sessions.size() || namesLeftOut)
        o.insert(KeyTruncated, true);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QByteArray Beacon::toDatagram() const
{
    int count = int(qMin(sessions.size(), qsizetype(MaxSessions)));
    QByteArray bytes = serialise(count, true);
    if (bytes.size() <= MaxDatagramBytes)
        return bytes;
    bytes = serialise(count, false);
    while (bytes.size() > MaxDatagramBytes && count > 0)
        bytes = serialise(--count, false);
    return bytes;
}

bool Beacon::parse(QByteArrayView datagram, const QHostAddress &sender, Beacon *out, QString *error)
{
    const auto fail = [error](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    if (datagram.size() > MaxDatagramBytes)
        return fail(QStringLiteral("larger than %1 bytes").arg(MaxDatagramBytes));
    QJsonParseError jsonError;
    const QJsonDocument doc = QJsonDocument::fromJson(datagram.toByteArray(), &jsonError);
    if (jsonError.error != QJsonParseError::NoError || !doc.isObject())
        return fail(QStringLiteral("not a JSON object"));
    const QJsonObject o = doc.object();
    if (o.value(KeyMagic) != QJsonValue(MagicValue))
        return fail(QStringLiteral("not an Optiverse beacon"));
    qint64 n = 0;
    if (!isInteger(o.value(KeyVersion), 1, 1000, &n) || !isInteger(o.value(KeyProtocol), 1, 1000, &n))
        return fail(QStringLiteral("\"v\" or \"protocol\" is not a version number"));

    Beacon b;
    b.instance = o.value(KeyInstance).toString();
    if (!isValidInstance(b.instance))
        return fail(QStringLiteral("\"instance\" is not 1-%1 letters, digits or '-'").arg(MaxInstanceLength));
    b.name = o.value(KeyName).toString();
    if (!isValidServerName(b.name))
        return fail(QStringLiteral("\"name\" is not 1-%1 printable characters").arg(Protocol::MaxNameLength));

    const QJsonValue urls = o.value(KeyUrls);
    if (!urls.isArray() || urls.toArray().isEmpty() || urls.toArray().size() > MaxUrls)
        return fail(QStringLiteral("\"urls\" is not an array of 1-%1 URLs").arg(MaxUrls));
    bool anyWss = false;
    for (const QJsonValue &v : urls.toArray()) {
        QUrl url;
        bool onSender = false;
        QString why;
        if (!parseUrl(v, sender, &url, &onSender, &why))
            return fail(why);
        if (onSender && !b.urls.contains(url)) {
            b.urls.append(url);
            anyWss = anyWss || url.scheme() == QLatin1String("wss");
        }
    }
    if (b.urls.isEmpty())
        return fail(QStringLiteral("no URL on the address the beacon came from (%1)").arg(sender.toString()));

    const QJsonValue password = o.value(KeyPassword);
    if (!password.isBool())
        return fail(QStringLiteral("\"password_required\" is not true or false"));
    b.passwordRequired = password.toBool();

    const QJsonValue fingerprint = o.value(KeyFingerprint);
    if (!fingerprint.isNull() && !fingerprint.isUndefined()) {
        QByteArray sha;
        QString why;
        if (!fingerprint.isString() || fingerprint.toString().size() > 200
            || !CertificateFingerprint::parse(fingerprint.toString(), &sha, &why))
            return fail(QStringLiteral("\"fingerprint\" is not a SHA-256 fingerprint"));
        if (!anyWss)
            return fail(QStringLiteral("\"fingerprint\" without a wss:// URL"));
        b.fingerprint = CertificateFingerprint::format(sha);
    }

    const QJsonValue sessions = o.value(KeySessions);
    if (!sessions.isArray() || sessions.toArray().size() > MaxSessions)
        return fail(QStringLiteral("\"sessions\" is not an array of at most %1 sessions").arg(MaxSessions));
    QSet<QString> ids;
    for (const QJsonValue &v : sessions.toArray()) {
        const QJsonObject so = v.toObject();
        AdvertisedSession s;
        s.id = so.value(KeyId).toString();
        QString why;
        if (!v.isObject() || !SessionUrl::validateName(s.id, QStringLiteral("session id"), &why))
            return fail(QStringLiteral("a session has no valid \"id\""));
        if (ids.contains(s.id))
            return fail(QStringLiteral("a session is listed twice"));
        ids.insert(s.id);
        if (!isInteger(so.value(KeyUsers), 0, MaxUsers, &n))
            return fail(QStringLiteral("a session's \"users\" is not a count from 0 to %1").arg(MaxUsers));
        s.users = int(n);
        const QJsonValue names = so.value(KeyNames);
        if (!names.isUndefined()) {
            if (!names.isArray() || names.toArray().size() > MaxNamesPerSession)
                return fail(QStringLiteral("a session's \"names\" is not an array of at most %1 names").arg(MaxNamesPerSession));
            for (const QJsonValue &name : names.toArray()) {
                if (!SessionUrl::validateName(name.toString(), QStringLiteral("name"), &why))
                    return fail(QStringLiteral("a session's \"names\" holds an invalid name"));
                s.names.append(name.toString());
            }
        }
        b.sessions.append(s);
    }
    if (!isOptionalBool(o, KeyBye, &b.bye) || !isOptionalBool(o, KeyTruncated, &b.truncated))
        return fail(QStringLiteral("\"bye\" or \"truncated\" is not true or false"));
    *out = b;
    return true;
}

} // namespace Optiverse::Collab
