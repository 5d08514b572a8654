// SPDX-License-Identifier: MIT
// The server's disk is full, as two users meet it: host-stub windows with the
// plugin's session, status widget and notice (wired as CollaborationPlugin
// wires them; one process cannot load the plugin library twice), on a real
// CollabServer on loopback whose --data-dir database may not grow: SQLite
// itself then fails every write that needs a page with "database or disk is
// full", as on a full disk (which a test machine cannot be relied on to
// have, nor the privileges to mount one).
#include "CollabServer.h"
#include "HostUser.h"
#include "Message.h"
#include "NoticeWidget.h"
#include "Protocol.h"
#include "StatusWidget.h"
#include "SyncManager.h"

#include <QElapsedTimer>
#include <QLabel>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

using namespace Optiverse;
using namespace Optiverse::Collab;

namespace {

/// A user with what the plugin adds to the window for this: the status
/// widget and the notice.
struct User : HostUser
{
    StatusWidget *status = nullptr;
    NoticeWidget *notices = nullptr;
    int storageFailures = 0; // storage_failed answers this user's client received

    bool beforeJoin() override
    {
        status = new StatusWidget(session->client());
        window->addStatusWidget(status);
        status->setSync(session->sync());
        notices = new NoticeWidget;
        window->addStatusWidget(notices);
        notices->hide();
        QObject::connect(session->sync(), &SyncManager::editNotStored, notices,
                         [n = notices](const QString &text) { n->showNotice(text); });
        QObject::connect(session->client(), &CollabClient::messageReceived, notices, [this](const Message &m) {
            if (m.type() == Message::Type::Error
                && m.json().value(Protocol::FieldCode).toString() == Protocol::ErrorStorageFailed)
                ++storageFailures;
        });
        return true;
    }
    ~User() override
    {
        for (QWidget *w : {static_cast<QWidget *>(notices), static_cast<QWidget *>(status)}) {
            if (w)
                window->removeStatusWidget(w);
            delete w;
        }
    }
    /// The notice shown now ("" when none).
    QString notice() const { return notices->isHidden() ? QString() : notices->text(); }
    int pending() const { return session->sync()->unacknowledgedCount(); }
};

/// A lens with long notes: every row storing it needs pages of its own, which
/// the full database cannot give (a small row may still fit into the free
/// space of a page it has).
SceneItem bulkyLens(double x)
{
    return sceneItem(QStringLiteral("lens"), x,
                     {{QLatin1String("focal_length_mm"), 100.0}, {QLatin1String("notes"), QString(6000, QLatin1Char('n'))}});
}

const QString Connected2 = QStringLiteral("Connected (2 users)");
const QString CannotSave = QStringLiteral("Server cannot save changes — retrying…");

} // namespace

class TestStorageFailure : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void refusedEditIsShownKeptAndSentOnceTheServerCanStore();
    void aCommandStoredMeanwhileRetriesAtOnce();

private:
    void fillTheDisk() { QVERIFY(m_server->setStorageMaxPageCount(1)); }
    void freeTheDisk() { QVERIFY(m_server->setStorageMaxPageCount(0)); }
    QUrl url() const { return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_server->port())); }

    std::unique_ptr<QTemporaryDir> m_dataDir;
    std::unique_ptr<CollabServer> m_server;
    std::unique_ptr<User> m_alice, m_bob;
};

void TestStorageFailure::init()
{
    m_dataDir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dataDir->isValid());
    ServerConfig config;
    config.dataDir = m_dataDir->path();
    m_server = std::make_unique<CollabServer>(config);
    QString error;
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    m_alice = std::make_unique<User>();
    m_bob = std::make_unique<User>();
    QVERIFY(m_alice->join(url(), QStringLiteral("alice")));
    QVERIFY(m_bob->join(url(), QStringLiteral("bob")));
    m_alice->window->show();
    QTRY_COMPARE(m_alice->status->text(), Connected2);
}

void TestStorageFailure::cleanup()
{
    m_bob.reset();
    m_alice.reset();
    m_server.reset();
    m_dataDir.reset();
}

void TestStorageFailure::refusedEditIsShownKeptAndSentOnceTheServerCanStore()
{
    User &alice = *m_alice, &bob = *m_bob;
    fillTheDisk();
    const SceneItem lens = bulkyLens(10);
    QVERIFY(alice.scene()->addItem(lens, ChangeOrigin::Local, nullptr));

    // Alice is told, in the status (the cause in its tooltip) and once in words.
    QTRY_COMPARE(alice.status->text(), CannotSave);
    QVERIFY2(alice.status->toolTip().contains(QLatin1String("the server could not store the change")),
             qPrintable(alice.status->toolTip()));
    QCOMPARE(alice.status->accessibleName(), CannotSave);
    QCOMPARE(alice.notice(), QStringLiteral("The server could not save your change to the lens: it stays on your "
                                            "canvas and is sent again as soon as the server can store it."));
    // Her lens stays on her canvas, pending; bob has nothing.
    QVERIFY(alice.has(lens.uuid));
    QCOMPARE(alice.pending(), 1);
    QVERIFY(!bob.has(lens.uuid));
    QCOMPARE(bob.status->text(), Connected2);

    // It is tried again (after 1 s), still in vain: nothing changes, nothing is said twice.
    QTRY_VERIFY_WITH_TIMEOUT(alice.storageFailures >= 2, 5000);
    QCOMPARE(alice.status->text(), CannotSave);
    QCOMPARE(alice.notices->collapsedCount(), 0);
    QVERIFY(alice.has(lens.uuid));
    QCOMPARE(alice.pending(), 1);
    QVERIFY(!bob.has(lens.uuid));

    // Room on the disk again: the next retry (2 s, then 4 s) goes through.
    freeTheDisk();
    QTRY_VERIFY_WITH_TIMEOUT(bob.has(lens.uuid), 10000);
    QTRY_COMPARE(alice.status->text(), Connected2);
    QCOMPARE(alice.pending(), 0);
    QCOMPARE(bob.scene()->count(), 1); // once, not once per attempt
    QCOMPARE(alice.scene()->count(), 1);
    QCOMPARE(bob.items(), alice.items());
    QCOMPARE(bob.number(lens.uuid, QStringLiteral("focal_length_mm")), 100.0);

    // Stored for good: a late joiner gets it, once.
    User carol;
    QVERIFY(carol.join(url(), QStringLiteral("carol")));
    QCOMPARE(carol.items(), alice.items());
}

void TestStorageFailure::aCommandStoredMeanwhileRetriesAtOnce()
{
    User &alice = *m_alice, &bob = *m_bob;
    fillTheDisk();
    const SceneItem lens = bulkyLens(10);
    QVERIFY(alice.scene()->addItem(lens, ChangeOrigin::Local, nullptr));
    // Three failures: the next retry is 4 s away.
    QTRY_VERIFY_WITH_TIMEOUT(alice.storageFailures >= 3, 10000);
    QCOMPARE(alice.status->text(), CannotSave);
    freeTheDisk();
    // Bob's mirror is stored: alice sees the server stores again and does not wait.
    QElapsedTimer clock;
    clock.start();
    const SceneItem mirror = sceneItem(QStringLiteral("mirror"), 40);
    QVERIFY(bob.scene()->addItem(mirror, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY_WITH_TIMEOUT(bob.has(lens.uuid), 10000);
    QVERIFY2(clock.elapsed() < 2500, qPrintable(QString::number(clock.elapsed())));
    QTRY_COMPARE(alice.status->text(), Connected2);
    QCOMPARE(alice.pending(), 0);
    QTRY_COMPARE(alice.scene()->count(), 2);
    QCOMPARE(bob.items(), alice.items());
}

QTEST_MAIN(TestStorageFailure)
#include "tst_storage_failure.moc"
