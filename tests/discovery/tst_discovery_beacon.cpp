// SPDX-License-Identifier: MIT
// The beacon format: what a server sends parses back to the same thing, and
// every malformed or hostile variant is refused with a reason.
#include "Beacon.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Optiverse::Collab;

namespace {
const QHostAddress Sender(QStringLiteral("192.0.2.7"));
const QString Fingerprint = QStringLiteral("AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89");

Beacon sample()
{
    Beacon b;
    b.instance = QStringLiteral("0f8e2c1a-7b6d-4e5f-9a0b-1c2d3e4f5a6b");
    b.name = QStringLiteral("alice's laptop");
    b.urls = {QUrl(QStringLiteral("wss://192.0.2.7:8765"))};
    b.passwordRequired = true;
    b.fingerprint = Fingerprint;
    b.sessions = {{QStringLiteral("lab"), 3, {}}, {QStringLiteral("optics"), 0, {}}};
    return b;
}

QJsonObject sampleJson()
{
    return QJsonDocument::fromJson(sample().toDatagram()).object();
}

bool parses(const QJsonObject &o, Beacon *out = nullptr, QString *why = nullptr)
{
    Beacon b;
    QString error;
    const bool ok = Beacon::parse(QJsonDocument(o).toJson(QJsonDocument::Compact), Sender, &b, &error);
    if (out)
        *out = b;
    if (why)
        *why = error;
    return ok;
}
} // namespace

class TestDiscoveryBeacon : public QObject
{
    Q_OBJECT
private slots:
    void roundTrip()
    {
        const Beacon b = sample();
        const QByteArray datagram = b.toDatagram();
        const QJsonObject o = QJsonDocument::fromJson(datagram).object();
        QCOMPARE(o.value(QLatin1String("optiverse")).toString(), QStringLiteral("beacon"));
        QCOMPARE(o.value(QLatin1String("v")).toInt(), 1);
        QVERIFY(!datagram.contains("password\""));
        Beacon back;
        QString error;
        QVERIFY2(Beacon::parse(datagram, Sender, &back, &error), qPrintable(error));
        QCOMPARE(back, b);
    }

    void namesOnlyWhenGiven()
    {
        Beacon b = sample();
        QVERIFY(!b.toDatagram().contains("names"));
        b.sessions[0].names = {QStringLiteral("alice"), QStringLiteral("bob")};
        Beacon back;
        QVERIFY(Beacon::parse(b.toDatagram(), Sender, &back, nullptr));
        QCOMPARE(back.sessions.at(0).names, b.sessions.at(0).names);
    }

    void bigServersAreTruncatedToFit()
    {
        Beacon b = sample();
        b.sessions.clear();
        for (int i = 0; i < 200; ++i) {
            AdvertisedSession s{QStringLiteral("session-%1-").arg(i) + QString(40, QLatin1Char('x')), i, {}};
            for (int n = 0; n < 10; ++n)
                s.names.append(QStringLiteral("user-%1-%2").arg(i).arg(n));
            b.sessions.append(s);
        }
        const QByteArray datagram = b.toDatagram();
        QVERIFY(datagram.size() <= Beacon::MaxDatagramBytes);
        Beacon back;
        QString error;
        QVERIFY2(Beacon::parse(datagram, Sender, &back, &error), qPrintable(error));
        QVERIFY(back.truncated);
        QVERIFY(!back.sessions.isEmpty());
        QVERIFY(back.sessions.size() <= Beacon::MaxSessions);
        QCOMPARE(back.sessions.at(0).id, b.sessions.at(0).id);
    }

    // A beacon can only point at the machine it came from.
    void urlsMustBeOnTheSender()
    {
        QJsonObject o = sampleJson();
        o.insert(QLatin1String("urls"), QJsonArray{QStringLiteral("wss://192.0.2.99:8765")});
        QString why;
        QVERIFY(!parses(o, nullptr, &why));
        QVERIFY2(why.contains(QLatin1String("192.0.2.7")), qPrintable(why));

        o.insert(QLatin1String("urls"), QJsonArray{QStringLiteral("wss://192.0.2.99:8765"), QStringLiteral("wss://192.0.2.7:9000")});
        Beacon b;
        QVERIFY(parses(o, &b));
        QCOMPARE(b.urls, QList<QUrl>{QUrl(QStringLiteral("wss://192.0.2.7:9000"))});
    }

    void refusesMalformed_data()
    {
        QTest::addColumn<QByteArray>("datagram");
        const auto with = [](const char *key, const QJsonValue &value) {
            QJsonObject o = sampleJson();
            if (value.isUndefined())
                o.remove(QLatin1String(key));
            else
                o.insert(QLatin1String(key), value);
            return QJsonDocument(o).toJson(QJsonDocument::Compact);
        };
        const auto session = [](const QJsonObject &s) {
            QJsonObject o = sampleJson();
            o.insert(QLatin1String("sessions"), QJsonArray{s});
            return QJsonDocument(o).toJson(QJsonDocument::Compact);
        };
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("not json") << QByteArray("hello");
        QTest::newRow("array") << QByteArray("[1,2]");
        QTest::newRow("too large") << QByteArray(Beacon::MaxDatagramBytes + 1, ' ');
        QTest::newRow("other magic") << with("optiverse", QStringLiteral("printer"));
        QTest::newRow("no version") << with("v", QJsonValue::Undefined);
        QTest::newRow("fractional version") << with("v", 1.5);
        QTest::newRow("no instance") << with("instance", QJsonValue::Undefined);
        QTest::newRow("instance with spaces") << with("instance", QStringLiteral("a b"));
        QTest::newRow("empty name") << with("name", QString());
        QTest::newRow("long name") << with("name", QString(65, QLatin1Char('n')));
        QTest::newRow("control in name") << with("name", QStringLiteral("a\nb"));
        QTest::newRow("no urls") << with("urls", QJsonArray());
        QTest::newRow("urls not array") << with("urls", QStringLiteral("ws://192.0.2.7:1"));
        QTest::newRow("http url") << with("urls", QJsonArray{QStringLiteral("http://192.0.2.7:8765")});
        QTest::newRow("url without port") << with("urls", QJsonArray{QStringLiteral("ws://192.0.2.7")});
        QTest::newRow("url with path") << with("urls", QJsonArray{QStringLiteral("ws://192.0.2.7:8765/ws/x/y")});
        QTest::newRow("url with user") << with("urls", QJsonArray{QStringLiteral("ws://me@192.0.2.7:8765")});
        QTest::newRow("url with host name") << with("urls", QJsonArray{QStringLiteral("ws://evil.example:8765")});
        QTest::newRow("long url") << with("urls", QJsonArray{QString(QStringLiteral("ws://192.0.2.7:8765/") + QString(300, QLatin1Char('a')))});
        QJsonArray nine;
        for (int i = 0; i < 9; ++i)
            nine.append(QStringLiteral("ws://192.0.2.7:%1").arg(8000 + i));
        QTest::newRow("too many urls") << with("urls", nine);
        QTest::newRow("password not bool") << with("password_required", QStringLiteral("no"));
        QTest::newRow("bad fingerprint") << with("fingerprint", QStringLiteral("AB:CD"));
        {
            QJsonObject o = sampleJson();
            o.insert(QLatin1String("urls"), QJsonArray{QStringLiteral("ws://192.0.2.7:8765")});
            QTest::newRow("fingerprint without wss") << QJsonDocument(o).toJson(QJsonDocument::Compact);
        }
        QTest::newRow("sessions not array") << with("sessions", QJsonObject());
        QJsonArray many;
        for (int i = 0; i < Beacon::MaxSessions + 1; ++i)
            many.append(QJsonObject{{QLatin1String("id"), QStringLiteral("s%1").arg(i)}, {QLatin1String("users"), 1}});
        QTest::newRow("too many sessions") << with("sessions", many);
        QTest::newRow("session without id") << session({{QLatin1String("users"), 1}});
        QTest::newRow("session id with slash") << session({{QLatin1String("id"), QStringLiteral("a/b")}, {QLatin1String("users"), 1}});
        QTest::newRow("negative users") << session({{QLatin1String("id"), QStringLiteral("lab")}, {QLatin1String("users"), -1}});
        QTest::newRow("huge users") << session({{QLatin1String("id"), QStringLiteral("lab")}, {QLatin1String("users"), 1e12}});
        QTest::newRow("users as text") << session({{QLatin1String("id"), QStringLiteral("lab")}, {QLatin1String("users"), QStringLiteral("3")}});
        QTest::newRow("names not array") << session({{QLatin1String("id"), QStringLiteral("lab")}, {QLatin1String("users"), 1}, {QLatin1String("names"), QStringLiteral("bob")}});
        QTest::newRow("bad name") << session({{QLatin1String("id"), QStringLiteral("lab")}, {QLatin1String("users"), 1}, {QLatin1String("names"), QJsonArray{QString()}}});
        {
            QJsonObject o = sampleJson();
            const QJsonObject lab{{QLatin1String("id"), QStringLiteral("lab")}, {QLatin1String("users"), 1}};
            o.insert(QLatin1String("sessions"), QJsonArray{lab, lab});
            QTest::newRow("duplicate session") << QJsonDocument(o).toJson(QJsonDocument::Compact);
        }
        QTest::newRow("bye not bool") << with("bye", 1);
    }

    void refusesMalformed()
    {
        QFETCH(QByteArray, datagram);
        Beacon b;
        QString error;
        QVERIFY(!Beacon::parse(datagram, Sender, &b, &error));
        QVERIFY(!error.isEmpty());
        QVERIFY(error.size() < 200); // never echoes the input
        QCOMPARE(b, Beacon()); // nothing half-filled
    }

    void ignoresUnknownFields()
    {
        QJsonObject o = sampleJson();
        o.insert(QLatin1String("v"), 2);
        o.insert(QLatin1String("future_field"), QJsonObject{{QLatin1String("x"), 1}});
        Beacon b;
        QString why;
        QVERIFY2(parses(o, &b, &why), qPrintable(why));
        QCOMPARE(b.name, sample().name);
    }
};

QTEST_GUILESS_MAIN(TestDiscoveryBeacon)
#include "tst_discovery_beacon.moc"
