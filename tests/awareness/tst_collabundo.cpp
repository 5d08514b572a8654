// SPDX-License-Identifier: MIT
// Collaborative undo as users meet it: two host-stub windows, each
// with the plugin's session, edit awareness and notice widget (linked
// statically: one process cannot load one plugin library twice), in a
// session on the real optiverse-collab-server. Undo goes through the host's
// Edit > Undo / Redo, the notice through its buttons.
#include "CollaborationSession.h"
#include "EditAwareness.h"
#include "EditLedger.h"
#include "EditingOverlay.h"
#include "HostMainWindow.h"
#include "HostScene.h"
#include "HostUser.h"
#include "NoticeWidget.h"
#include "OpticalItem.h"
#include "PropertiesDialog.h"
#include "ServerProcess.h"

#include <QAction>
#include <QFileInfo>
#include <QLabel>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QUndoStack>
#include <memory>

using namespace Optiverse;
using namespace Optiverse::Collab;

namespace {

const QString kFocal = QStringLiteral("focal_length_mm");

/// One user: a host-stub window with what the plugin adds to it (as
/// CollaborationPlugin wires it), joined to session "lab".
struct User : HostUser
{
    NoticeWidget *notices = nullptr;
    std::unique_ptr<EditAwareness> awareness;

    bool beforeJoin() override
    {
        notices = new NoticeWidget;
        window->addStatusWidget(notices);
        notices->hide();
        awareness = std::make_unique<EditAwareness>(scene(), scene(), session.get(), notices); // HostScene is the IUndoHost
        return true;
    }
    ~User() override
    {
        awareness.reset();
        if (notices)
            window->removeStatusWidget(notices);
        delete notices;
    }
    int users() const { return int(session->client()->users().size()); }
    QFrame *noticeFrame() const { return window->statusBar()->findChild<QFrame *>(QStringLiteral("CollaborationNotice")); }
    /// The notice shown now ("" when none).
    QString notice() const
    {
        QFrame *frame = noticeFrame();
        if (!frame || frame->isHidden())
            return {};
        return frame->findChild<QLabel *>(QStringLiteral("noticeText"))->text();
    }
    QToolButton *noticeButton(const QString &text) const
    {
        QFrame *frame = noticeFrame();
        for (QToolButton *b : frame ? frame->findChildren<QToolButton *>() : QList<QToolButton *>())
            if (b->text() == text && !b->isHidden())
                return b;
        return nullptr;
    }
    void dismissNotice() { noticeButton(QStringLiteral("×"))->click(); }
    /// Edit > Undo / Edit > Redo, as the user triggers them.
    void undo() { editAction("&Undo")->trigger(); }
    void redo() { editAction("&Redo")->trigger(); }
    QAction *editAction(const char *text) const
    {
        for (QAction *a : window->findChildren<QAction *>())
            if (a->text().startsWith(QLatin1String(text)))
                return a;
        return nullptr;
    }
    double x(const QUuid &uuid) const { return number(uuid, QLatin1String(kXmm)); }
    bool update(const QUuid &uuid, const QJsonObject &data)
    {
        return scene()->updateItem(uuid, data, ChangeOrigin::Local, nullptr);
    }
};

} // namespace

class TestCollabUndo : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void overwrittenPropertyIsSkipped();
    void undoAnywayAndRedoRestoreValuesOfTheUndo();
    void redoAfterASkippedUndoChangesNothing();
    void partlySkippedStepUndoesTheRest();
    void undoOfAMoveIsBackEverywhere();
    void undoOfARemovalRecreatesTheSameItem();
    void undoOfAMoveSurvivesAnUnchangedRecreation();
    void undoOfAnAddOthersEditedAsksFirst();
    void ownChangesUndoAsBefore();
    void overwriteOfAnItemStillOpenIsReported();
    void overwriteNoticeOffersRestoreMine();

private:
    /// Waits until everything @p from sent has reached @p to: a marker item
    /// added by @p from appears at @p to (commands of one sender keep their order).
    bool settle(User *from, User *to);

    QTemporaryDir m_config;
    std::unique_ptr<ServerProcess> m_server;
    std::unique_ptr<User> m_alice, m_bob;
};

void TestCollabUndo::initTestCase()
{
    QVERIFY(m_config.isValid());
    qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8()); // the host stub's plugin settings
    QCoreApplication::setOrganizationName(QStringLiteral("OptiverseTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_collabundo"));
}

void TestCollabUndo::init()
{
    m_server = std::make_unique<ServerProcess>();
    m_alice = std::make_unique<User>();
    m_bob = std::make_unique<User>();
    QVERIFY(startSessionOfTwo(*m_server, *m_alice, *m_bob));
    QTRY_COMPARE(m_alice->users(), 2);
}

void TestCollabUndo::cleanup()
{
    m_alice.reset();
    m_bob.reset();
    m_server.reset();
}

bool TestCollabUndo::settle(User *from, User *to)
{
    // A local edit (it goes on from's undo stack: call this last).
    const SceneItem marker = sceneItem(QStringLiteral("text"), 900);
    return from->scene()->addItem(marker, ChangeOrigin::Local, nullptr)
        && QTest::qWaitFor([&] { return to->has(marker.uuid); }, 10000);
}

void TestCollabUndo::overwrittenPropertyIsSkipped()
{
    // The sequence: alice 100 -> 50, bob 75, alice's Undo keeps 75 everywhere.
    const SceneItem lens = sceneItem(QStringLiteral("lens"), 10, {{kFocal, 100.0}});
    QVERIFY(m_alice->scene()->addItem(lens, ChangeOrigin::Local, nullptr));
    QVERIFY(m_alice->update(lens.uuid, {{kFocal, 50.0}}));
    QTRY_COMPARE(m_bob->focal(lens.uuid), 50.0);
    QVERIFY(m_bob->update(lens.uuid, {{kFocal, 75.0}}));
    QTRY_COMPARE(m_alice->focal(lens.uuid), 75.0);

    m_alice->undo();
    QCOMPARE(m_alice->focal(lens.uuid), 75.0);
    QCOMPARE(m_alice->notice(), QStringLiteral("Nothing undone: bob changed focal length after you."));
    QVERIFY(m_alice->noticeButton(QStringLiteral("Undo anyway")));
    QVERIFY(m_alice->scene()->undoStack()->canRedo()); // the step was consumed

    // The next Undo goes on to alice's add: bob edited the lens since, so it asks.
    m_alice->undo();
    QVERIFY(m_alice->has(lens.uuid));
    QCOMPARE(m_alice->notice(), QStringLiteral("Nothing undone: bob edited the lens after you added it. Remove it anyway?"));

    // Whatever alice's host sent has reached bob: 75 stays, the lens too.
    QVERIFY(settle(m_alice.get(), m_bob.get()));
    QCOMPARE(m_bob->focal(lens.uuid), 75.0);
    QCOMPARE(m_alice->focal(lens.uuid), 75.0);
    QVERIFY(m_bob->has(lens.uuid));
    QCOMPARE(m_bob->notice(), QString()); // nothing was undone: nothing to tell bob
}

void TestCollabUndo::undoAnywayAndRedoRestoreValuesOfTheUndo()
{
    const SceneItem lens = sceneItem(QStringLiteral("lens"), 10, {{kFocal, 100.0}});
    QVERIFY(m_alice->scene()->addItem(lens, ChangeOrigin::Local, nullptr));
    QVERIFY(m_alice->update(lens.uuid, {{kFocal, 50.0}}));
    QTRY_COMPARE(m_bob->focal(lens.uuid), 50.0);
    QVERIFY(m_bob->update(lens.uuid, {{kFocal, 75.0}}));
    QTRY_COMPARE(m_alice->focal(lens.uuid), 75.0);

    m_alice->undo();
    QToolButton *anyway = m_alice->noticeButton(QStringLiteral("Undo anyway"));
    QVERIFY(anyway);
    anyway->click();
    QCOMPARE(m_alice->focal(lens.uuid), 100.0);
    QTRY_COMPARE(m_bob->focal(lens.uuid), 100.0);
    QCOMPARE(m_alice->notice(), QString()); // the choice was taken

    // Redo puts back what the undo replaced: bob's 75, not alice's old 50.
    m_alice->redo();
    QCOMPARE(m_alice->focal(lens.uuid), 75.0);
    QTRY_COMPARE(m_bob->focal(lens.uuid), 75.0);

    m_alice->undo(); // alice was the last to write it (the redo): applied
    QCOMPARE(m_alice->focal(lens.uuid), 100.0);
    QCOMPARE(m_alice->notice(), QString());
}

void TestCollabUndo::redoAfterASkippedUndoChangesNothing()
{
    const SceneItem lens = sceneItem(QStringLiteral("lens"), 10, {{kFocal, 100.0}});
    QVERIFY(m_alice->scene()->addItem(lens, ChangeOrigin::Local, nullptr));
    QVERIFY(m_alice->update(lens.uuid, {{kFocal, 50.0}}));
    QTRY_COMPARE(m_bob->focal(lens.uuid), 50.0);
    QVERIFY(m_bob->update(lens.uuid, {{kFocal, 75.0}}));
    QTRY_COMPARE(m_alice->focal(lens.uuid), 75.0);

    m_alice->undo(); // skipped
    m_alice->redo(); // built from the undo: nothing to put back
    QCOMPARE(m_alice->focal(lens.uuid), 75.0);
    QVERIFY(!m_alice->scene()->undoStack()->canRedo());
    // The Undo anyway of the undo is gone with the redo.
    QString error;
    QVERIFY(!m_alice->scene()->applySkipped(m_alice->scene()->lastUndoReport().stepId - 1, &error));
    QCOMPARE(error, QStringLiteral("Too late: the undo history changed since."));
    QCOMPARE(m_alice->focal(lens.uuid), 75.0);
    QVERIFY(settle(m_alice.get(), m_bob.get()));
    QCOMPARE(m_bob->focal(lens.uuid), 75.0);
}

void TestCollabUndo::partlySkippedStepUndoesTheRest()
{
    const SceneItem lens = sceneItem(QStringLiteral("lens"), 10, {{kFocal, 100.0}, {QStringLiteral("diameter_mm"), 25.0}});
    QVERIFY(m_alice->scene()->addItem(lens, ChangeOrigin::Local, nullptr));
    QVERIFY(m_alice->update(lens.uuid, {{kFocal, 50.0}, {QStringLiteral("diameter_mm"), 30.0}}));
    QTRY_COMPARE(m_bob->focal(lens.uuid), 50.0);
    QVERIFY(m_bob->update(lens.uuid, {{kFocal, 75.0}}));
    QTRY_COMPARE(m_alice->focal(lens.uuid), 75.0);

    m_alice->undo();
    QCOMPARE(m_alice->focal(lens.uuid), 75.0);
    QCOMPARE(m_alice->scene()->item(lens.uuid).data.value(QStringLiteral("diameter_mm")).toDouble(), 25.0);
    QTRY_COMPARE(m_bob->scene()->item(lens.uuid).data.value(QStringLiteral("diameter_mm")).toDouble(), 25.0);
    QCOMPARE(m_bob->focal(lens.uuid), 75.0);
    QCOMPARE(m_alice->notice(), QStringLiteral("Undone except focal length: bob changed it after you."));
}

void TestCollabUndo::undoOfAMoveIsBackEverywhere()
{
    const SceneItem lens = sceneItem(QStringLiteral("lens"), 10, {{kFocal, 100.0}});
    QVERIFY(m_alice->scene()->addItem(lens, ChangeOrigin::Local, nullptr));
    QVERIFY(m_alice->update(lens.uuid, {{kFocal, 50.0}}));
    QVERIFY(m_alice->scene()->moveItem(lens.uuid, 40, 5, 30, ChangeOrigin::Local, nullptr));
    QTRY_COMPARE(m_bob->x(lens.uuid), 40.0);
    QVERIFY(m_bob->update(lens.uuid, {{kFocal, 75.0}})); // another property: no reason to keep the pose
    QTRY_COMPARE(m_alice->focal(lens.uuid), 75.0);
    QCOMPARE(m_alice->notice(), QStringLiteral("bob changed the lens focal length to 75 (yours: 50)"));
    m_alice->dismissNotice();

    m_alice->undo();
    QCOMPARE(m_alice->focal(lens.uuid), 75.0); // only the pose was undone
    QCOMPARE(m_alice->x(lens.uuid), 10.0);
    QTRY_COMPARE(m_bob->x(lens.uuid), 10.0);
    QCOMPARE(m_bob->scene()->item(lens.uuid).data.value(QLatin1String(kAngleDeg)).toDouble(), 0.0);
    QCOMPARE(m_alice->notice(), QString());

    // A pose bob changed after alice's move is kept.
    QVERIFY(m_alice->scene()->moveItem(lens.uuid, 60, 0, 0, ChangeOrigin::Local, nullptr));
    QTRY_COMPARE(m_bob->x(lens.uuid), 60.0);
    QVERIFY(m_bob->scene()->moveItem(lens.uuid, 70, 0, 0, ChangeOrigin::Local, nullptr));
    QTRY_COMPARE(m_alice->x(lens.uuid), 70.0);
    m_alice->undo();
    QCOMPARE(m_alice->x(lens.uuid), 70.0);
    QCOMPARE(m_alice->notice(), QStringLiteral("Nothing undone: bob changed position after you."));
}

void TestCollabUndo::undoOfARemovalRecreatesTheSameItem()
{
    // Bob adds a mirror, alice removes it; bob's Undo finds it gone and changes
    // nothing; alice's Undo brings it back for everyone with the same id.
    const SceneItem mirror = sceneItem(QStringLiteral("mirror"), 20);
    QVERIFY(m_bob->scene()->addItem(mirror, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(m_alice->has(mirror.uuid));
    QVERIFY(m_alice->scene()->removeItem(mirror.uuid, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(!m_bob->has(mirror.uuid));

    const int itemsBefore = m_bob->scene()->count();
    m_bob->undo();
    QCOMPARE(m_bob->scene()->count(), itemsBefore);
    QCOMPARE(m_bob->notice(), QStringLiteral("Nothing undone: alice removed the mirror."));
    QVERIFY(!m_bob->noticeButton(QStringLiteral("Undo anyway")));

    m_alice->undo();
    QCOMPARE(m_alice->scene()->item(mirror.uuid), mirror);
    QTRY_COMPARE(m_bob->scene()->item(mirror.uuid), mirror);
    QCOMPARE(m_alice->notice(), QString());
    QCOMPARE(m_bob->scene()->count(), m_alice->scene()->count());
}

void TestCollabUndo::undoOfAMoveSurvivesAnUnchangedRecreation()
{
    // Alice moves bob's lens; bob removes it and brings it back with his
    // Undo, where it was. Re-created with the same values, nothing of alice's
    // move was changed after her: her Undo moves it back, without a word.
    const SceneItem lens = sceneItem(QStringLiteral("lens"), 10, {{kFocal, 100.0}});
    QVERIFY(m_bob->scene()->addItem(lens, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(m_alice->has(lens.uuid));
    QVERIFY(m_alice->scene()->moveItem(lens.uuid, 40, 5, 0, ChangeOrigin::Local, nullptr));
    QTRY_COMPARE(m_bob->x(lens.uuid), 40.0);
    QVERIFY(m_bob->scene()->removeItem(lens.uuid, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(!m_alice->has(lens.uuid));
    m_bob->undo();
    QTRY_VERIFY(m_alice->has(lens.uuid));
    QCOMPARE(m_alice->x(lens.uuid), 40.0);

    m_alice->undo();
    QCOMPARE(m_alice->notice(), QString());
    QCOMPARE(m_alice->x(lens.uuid), 10.0);
    QTRY_COMPARE(m_bob->x(lens.uuid), 10.0);

    // Re-created somewhere else, it is a change after her: kept.
    QVERIFY(m_alice->scene()->moveItem(lens.uuid, 60, 0, 0, ChangeOrigin::Local, nullptr));
    QTRY_COMPARE(m_bob->x(lens.uuid), 60.0);
    QVERIFY(m_bob->scene()->removeItem(lens.uuid, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(!m_alice->has(lens.uuid));
    SceneItem moved = lens;
    moved.data.insert(QLatin1String(kXmm), 80.0);
    QVERIFY(m_bob->scene()->addItem(moved, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(m_alice->has(lens.uuid));
    m_alice->undo();
    QCOMPARE(m_alice->x(lens.uuid), 80.0);
    QVERIFY2(m_alice->notice().contains(QLatin1String("bob")), qPrintable(m_alice->notice()));
}

void TestCollabUndo::undoOfAnAddOthersEditedAsksFirst()
{
    const SceneItem lens = sceneItem(QStringLiteral("lens"), 10, {{kFocal, 100.0}});
    QVERIFY(m_alice->scene()->addItem(lens, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(m_bob->has(lens.uuid));
    QVERIFY(m_bob->update(lens.uuid, {{QStringLiteral("name"), QStringLiteral("Lens 2")}}));
    QTRY_COMPARE(m_alice->scene()->item(lens.uuid).data.value(QStringLiteral("name")).toString(), QStringLiteral("Lens 2"));

    m_alice->undo();
    QVERIFY(m_alice->has(lens.uuid));
    QCOMPARE(m_alice->notice(), QStringLiteral("Nothing undone: bob edited the lens after you added it. Remove it anyway?"));
    QToolButton *remove = m_alice->noticeButton(QStringLiteral("Remove anyway"));
    QVERIFY(remove);
    remove->click();
    QVERIFY(!m_alice->has(lens.uuid));
    QTRY_VERIFY(!m_bob->has(lens.uuid));

    // Redo re-creates it as it was when removed (bob's name included).
    m_alice->redo();
    QTRY_COMPARE(m_bob->scene()->item(lens.uuid).data.value(QStringLiteral("name")).toString(), QStringLiteral("Lens 2"));
}

void TestCollabUndo::ownChangesUndoAsBefore()
{
    // Nobody else touched it: undo n times, redo n times, back where we were.
    const SceneItem lens = sceneItem(QStringLiteral("lens"), 10, {{kFocal, 100.0}});
    QVERIFY(m_alice->scene()->addItem(lens, ChangeOrigin::Local, nullptr));
    QVERIFY(m_alice->update(lens.uuid, {{kFocal, 50.0}}));
    QVERIFY(m_alice->scene()->moveItem(lens.uuid, 30, 0, 0, ChangeOrigin::Local, nullptr));
    QTRY_COMPARE(m_bob->x(lens.uuid), 30.0);
    const SceneItem final = m_alice->scene()->item(lens.uuid);
    for (int i = 0; i < 3; ++i)
        m_alice->undo();
    QVERIFY(!m_alice->has(lens.uuid));
    QTRY_VERIFY(!m_bob->has(lens.uuid));
    for (int i = 0; i < 3; ++i)
        m_alice->redo();
    QCOMPARE(m_alice->scene()->item(lens.uuid), final);
    QTRY_COMPARE(m_bob->scene()->item(lens.uuid), final);
    QCOMPARE(m_alice->notice(), QString());
}

void TestCollabUndo::overwriteNoticeOffersRestoreMine()
{
    const SceneItem lens = sceneItem(QStringLiteral("lens"), 10, {{kFocal, 100.0}, {QStringLiteral("name"), QStringLiteral("Lens 2")}});
    QVERIFY(m_bob->scene()->addItem(lens, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(m_alice->has(lens.uuid));
    QCOMPARE(m_alice->notice(), QString()); // bob's add overwrote nothing of alice's
    QVERIFY(m_alice->update(lens.uuid, {{kFocal, 50.0}}));
    QTRY_COMPARE(m_bob->focal(lens.uuid), 50.0);
    QCOMPARE(m_bob->notice(), QString()); // bob wrote the lens when he added it, not focal length since
    QVERIFY(m_bob->update(lens.uuid, {{kFocal, 75.0}}));
    QTRY_COMPARE(m_alice->notice(), QStringLiteral("bob changed Lens 2 focal length to 75 (yours: 50)"));
    QCOMPARE(m_bob->notice(), QString()); // none for one's own change

    m_alice->noticeButton(QStringLiteral("Restore mine"))->click();
    QCOMPARE(m_alice->focal(lens.uuid), 50.0);
    QTRY_COMPARE(m_bob->focal(lens.uuid), 50.0);
    QCOMPARE(m_bob->notice(), QStringLiteral("alice changed Lens 2 focal length to 50 (yours: 75)"));
    QCOMPARE(m_alice->notice(), QString());
}

void TestCollabUndo::overwriteOfAnItemStillOpenIsReported()
{
    // However long ago alice wrote a value, bob overwriting it is reported
    // while she still has the item open in her properties dialog, and not
    // once she has closed it.
    m_alice->awareness->setEditingHost(m_alice->window->editing());
    m_alice->awareness->ledger()->setOverwriteWindow(-1); // time alone never counts here
    const SceneItem lens = sceneItem(QStringLiteral("lens"), 10, {{kFocal, 100.0}, {QStringLiteral("name"), QStringLiteral("Lens 3")}});
    QVERIFY(m_bob->scene()->addItem(lens, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(m_alice->has(lens.uuid));
    QVERIFY(m_alice->update(lens.uuid, {{kFocal, 50.0}}));
    QTRY_COMPARE(m_bob->focal(lens.uuid), 50.0);
    QVERIFY(m_bob->update(lens.uuid, {{kFocal, 75.0}}));
    QTRY_COMPARE(m_alice->focal(lens.uuid), 75.0);
    QCOMPARE(m_alice->notice(), QString()); // not open, and outside the window

    QVERIFY(m_alice->update(lens.uuid, {{kFocal, 60.0}}));
    QTRY_COMPARE(m_bob->focal(lens.uuid), 60.0);
    m_alice->scene()->findItem(lens.uuid)->setSelected(true);
    m_alice->window->propertiesAction()->trigger();
    PropertiesDialog *dialog = m_alice->window->propertiesDialog();
    QVERIFY(dialog && dialog->isVisible());
    QCOMPARE(m_alice->window->editing()->localEditing(), QList<QUuid>{lens.uuid});
    QVERIFY(m_bob->update(lens.uuid, {{kFocal, 80.0}}));
    QTRY_COMPARE(m_alice->notice(), QStringLiteral("bob changed Lens 3 focal length to 80 (yours: 60)"));
    m_alice->dismissNotice();

    dialog->reject();
    QTRY_VERIFY(m_alice->window->editing()->localEditing().isEmpty());
    QVERIFY(m_alice->update(lens.uuid, {{kFocal, 61.0}}));
    QTRY_COMPARE(m_bob->focal(lens.uuid), 61.0);
    QVERIFY(m_bob->update(lens.uuid, {{kFocal, 90.0}}));
    QTRY_COMPARE(m_alice->focal(lens.uuid), 90.0);
    QCOMPARE(m_alice->notice(), QString());
}

QTEST_MAIN(TestCollabUndo)
#include "tst_collabundo.moc"
