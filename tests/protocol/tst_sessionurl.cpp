// SPDX-License-Identifier: MIT
// What users paste into Connect or pass to --collab-connect, and the URL the
// host gives them: ws[s]://HOST:PORT[/ws/SESSION[/USER]].
#include "MessageFactory.h"
#include "Protocol.h"
#include "SessionUrl.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Optiverse::Collab;

class TestSessionUrl : public QObject
{
    Q_OBJECT
private slots:
    void acceptsServerSessionAndUser_data();
    void acceptsServerSessionAndUser();
    void refusesAnythingElseSayingWhy_data();
    void refusesAnythingElseSayingWhy();
    void shareUrlParsesBack();
    void ackListsOtherSessionsCapped();
};

void TestSessionUrl::acceptsServerSessionAndUser_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("server");
    QTest::addColumn<QString>("session");
    QTest::addColumn<QString>("user");
    QTest::newRow("server") << "ws://192.0.2.2:8765" << "ws://192.0.2.2:8765" << "" << "";
    QTest::newRow("server, slash") << "ws://192.0.2.2:8765/" << "ws://192.0.2.2:8765" << "" << "";
    QTest::newRow("session") << "ws://192.0.2.2:8765/ws/lab" << "ws://192.0.2.2:8765" << "lab" << "";
    QTest::newRow("session, slash") << "ws://192.0.2.2:8765/ws/lab/" << "ws://192.0.2.2:8765" << "lab" << "";
    QTest::newRow("session and user") << "ws://host:8790/ws/lab/bob" << "ws://host:8790" << "lab" << "bob";
    QTest::newRow("encoded") << "ws://host:8790/ws/lab%20one/b%C3%B6b" << "ws://host:8790" << "lab one" << "böb";
    QTest::newRow("wss") << "wss://lab.example:443/ws/optics" << "wss://lab.example:443" << "optics" << "";
    QTest::newRow("ipv6") << "ws://[::1]:8765/ws/lab" << "ws://[::1]:8765" << "lab" << "";
    QTest::newRow("spaces around") << "  ws://127.0.0.1:8765/ws/lab \n" << "ws://127.0.0.1:8765" << "lab" << "";
}

void TestSessionUrl::acceptsServerSessionAndUser()
{
    QFETCH(QString, text);
    QFETCH(QString, server);
    QFETCH(QString, session);
    QFETCH(QString, user);
    QUrl url;
    QString s = QStringLiteral("unset"), u = QStringLiteral("unset"), error;
    QVERIFY2(SessionUrl::parseJoinUrl(text, &url, &s, &u, &error), qPrintable(error));
    QCOMPARE(url.toString(), server);
    QCOMPARE(s, session);
    QCOMPARE(u, user);
    // The client's endpoint is built from the server part alone.
    QCOMPARE(SessionUrl::endpoint(url, QStringLiteral("x"), QStringLiteral("y")).path(), QStringLiteral("/ws/x/y"));
}

void TestSessionUrl::refusesAnythingElseSayingWhy_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    QTest::newRow("empty") << "" << "Enter the server URL";
    QTest::newRow("http") << "http://host:8765/ws/lab" << "Use a WebSocket URL: ws:// instead of http://";
    QTest::newRow("https") << "https://host:8765" << "wss:// instead of https://";
    QTest::newRow("no scheme") << "host:8765" << "is not a WebSocket URL";
    QTest::newRow("no port") << "ws://host/ws/lab" << "The URL has no port";
    QTest::newRow("other path") << "ws://host:8765/collab" << "\"/collab\" is not a session path; expected ws://HOST:PORT, ws://HOST:PORT/ws/SESSION or ws://HOST:PORT/ws/SESSION/USER";
    QTest::newRow("ws alone") << "ws://host:8765/ws" << "The URL names no session after /ws/";
    QTest::newRow("ws slash") << "ws://host:8765/ws/" << "The URL names no session after /ws/";
    QTest::newRow("too deep") << "ws://host:8765/ws/lab/bob/more" << "is not a session path";
    QTest::newRow("empty session") << "ws://host:8765/ws//bob" << "The session in the URL must not be empty";
    QTest::newRow("long session") << QStringLiteral("ws://host:8765/ws/%1").arg(QString(65, QLatin1Char('s')))
                                  << "The session in the URL is longer than 64 characters";
    QTest::newRow("encoded slash") << "ws://host:8765/ws/a%2Fb" << "The session in the URL must not contain '/'";
    QTest::newRow("query") << "ws://host:8765/ws/lab?x=1" << "must not have a query";
    QTest::newRow("fragment") << "ws://host:8765/ws/lab#top" << "must not have a query (?…) or fragment (#…)";
    QTest::newRow("credentials") << "ws://bob:secret@host:8765/ws/lab" << "must not carry a user name or password";
}

void TestSessionUrl::refusesAnythingElseSayingWhy()
{
    QFETCH(QString, text);
    QFETCH(QString, message);
    QUrl url;
    QString s, u, error;
    QVERIFY(!SessionUrl::parseJoinUrl(text, &url, &s, &u, &error));
    QVERIFY2(error.contains(message), qPrintable(error));
    QVERIFY(url.isEmpty());
}

void TestSessionUrl::shareUrlParsesBack()
{
    const QString shared = SessionUrl::shareUrl(QStringLiteral("ws://192.0.2.2:8765"), QStringLiteral("lab one"));
    QCOMPARE(shared, QStringLiteral("ws://192.0.2.2:8765/ws/lab%20one"));
    QCOMPARE(SessionUrl::shareUrl(QStringLiteral("ws://192.0.2.2:8765"), QString()), QStringLiteral("ws://192.0.2.2:8765"));
    QUrl url;
    QString s, u, error;
    QVERIFY2(SessionUrl::parseJoinUrl(shared, &url, &s, &u, &error), qPrintable(error));
    QCOMPARE(url.toString(), QStringLiteral("ws://192.0.2.2:8765"));
    QCOMPARE(s, QStringLiteral("lab one"));
    QCOMPARE(u, QString());
}

void TestSessionUrl::ackListsOtherSessionsCapped()
{
    const auto ack = [](const QList<MessageFactory::AckSession> &others) {
        return QJsonDocument::fromJson(MessageFactory::connectionAck(QStringLiteral("default"), QStringLiteral("bob"),
                                                                     QStringLiteral("bob"), true, {}, 0, {}, {}, others))
            .object();
    };
    QVERIFY(!ack({}).contains(Protocol::FieldOtherSessions)); // the usual ack is unchanged
    QList<MessageFactory::AckSession> many;
    for (int i = 0; i < 8; ++i)
        many.append({QStringLiteral("s%1").arg(i), 8 - i});
    const QJsonArray listed = ack(many).value(Protocol::FieldOtherSessions).toArray();
    QCOMPARE(listed.size(), Protocol::MaxOtherSessions);
    QCOMPARE(listed.at(0).toObject(), (QJsonObject{{QStringLiteral("session_id"), QStringLiteral("s0")},
                                                   {QStringLiteral("users"), 8}}));
}

QTEST_APPLESS_MAIN(TestSessionUrl)
#include "tst_sessionurl.moc"
