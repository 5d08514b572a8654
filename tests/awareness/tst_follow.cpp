// SPDX-License-Identifier: MIT
// Who is editing what, and following a collaborator, as users meet
// them: two host-stub windows, each with the plugin's session, presence,
// editing awareness, follow controller and status widget (wired as
// CollaborationPlugin wires them; linked statically), in a session on the real
// optiverse-collab-server. Drags are real mouse drags on the canvas, the
// properties dialog is Edit → Edit Properties…, Follow and Jump to are the
// user list's actions.
#include "CollaborationSession.h"
#include "EditAwareness.h"
#include "EditingOverlay.h"
#include "EditingPresence.h"
#include "FollowController.h"
#include "HostMainWindow.h"
#include "HostScene.h"
#include "HostUser.h"
#include "NoticeWidget.h"
#include "PresenceManager.h"
#include "PresenceOverlay.h"
#include "PropertiesDialog.h"
#include "ServerProcess.h"
#include "StatusWidget.h"
#include "UserColor.h"
#include "ViewIndicator.h"
#include "ViewNavigator.h"

#include <QAction>
#include <QDoubleSpinBox>
#include <QGraphicsPathItem>
#include <QGraphicsSimpleTextItem>
#include <QGraphicsView>
#include <QLabel>
#include <QMenu>
#include <QScrollBar>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <memory>

using namespace Optiverse;
using namespace Optiverse::Collab;

namespace {

struct User : HostUser
{
    StatusWidget *status = nullptr;
    NoticeWidget *notices = nullptr;
    std::unique_ptr<PresenceManager> presence;
    std::unique_ptr<EditingPresence> editing;
    std::unique_ptr<EditAwareness> awareness;
    std::unique_ptr<FollowController> follow;

    bool beforeJoin() override
    {
        HostScene *s = scene();
        window->show();
        if (!QTest::qWaitForWindowExposed(window.get()))
            return false;
        CollabClient *client = session->client();
        status = new StatusWidget(client);
        window->addStatusWidget(status);
        notices = new NoticeWidget;
        window->addStatusWidget(notices);
        notices->hide();
        presence = std::make_unique<PresenceManager>(window->presence(), client);
        editing = std::make_unique<EditingPresence>(s, window->editing(), presence.get(), client);
        awareness = std::make_unique<EditAwareness>(s, s, session.get(), notices);
        follow = std::make_unique<FollowController>(window->navigator(), s, presence.get(), client, window.get());
        follow->setEaseDuration(60);
        QObject::connect(follow.get(), &FollowController::notice, notices,
                         [n = notices](const QString &text) { n->showNotice(text); });
        status->setFollow(follow.get());
        awareness->setViewHost(window->navigator());
        return true;
    }
    ~User() override
    {
        if (!status)
            return; // never joined
        status->setFollow(nullptr);
        follow.reset();
        awareness.reset();
        editing.reset();
        presence.reset();
        window->removeStatusWidget(notices);
        delete notices;
        window->removeStatusWidget(status);
        delete status;
    }
    QString id() const { return session->client()->userId(); }
    QString notice() const
    {
        auto *frame = window->statusBar()->findChild<QFrame *>(QStringLiteral("CollaborationNotice"));
        return frame && !frame->isHidden() ? frame->findChild<QLabel *>(QStringLiteral("noticeText"))->text() : QString();
    }
    /// The action @p objectName of @p other's row in the user list, as the user opens it.
    QAction *userAction(const QString &other, const QString &objectName) const
    {
        status->click();
        QMenu *list = status->usersMenu();
        if (!QTest::qWaitFor([list] { return list->isVisible(); }, 5000))
            return nullptr;
        QAction *found = nullptr;
        for (QAction *row : list->actions())
            if (row->data().toString() == other && row->menu())
                for (QAction *a : row->menu()->actions())
                    if (a->objectName() == objectName)
                        found = a;
        list->close();
        return found;
    }
    QRectF area() const { return window->navigator()->visibleArea(); }
};

SceneItem lens(double x)
{
    return sceneItem(QStringLiteral("lens"), x);
}

/// The centres of two areas agree within @p tolerance mm.
bool sameCentre(const QRectF &a, const QRectF &b, double tolerance = 1.0)
{
    return QLineF(a.center(), b.center()).length() < tolerance;
}

} // namespace

class TestFollow : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void remoteDragOutlinesTheItemWithTheEditorsName();
    void openPropertiesShowBannerInTheOthersDialog();
    void followerViewTracksTheLeaderAndPanEndsIt();
    void escapeAndEditingEndAFollow();
    void jumpToMovesOnce();
    void noMutualFollowLoop();
    void leaderLeavingEndsTheFollow();
    void showOnAnOverwriteNoticeRevealsTheItem();

private:
    QTemporaryDir m_config;
    std::unique_ptr<ServerProcess> m_server;
    std::unique_ptr<User> m_alice, m_bob;
};

void TestFollow::initTestCase()
{
    QVERIFY(m_config.isValid());
    qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8());
    QCoreApplication::setOrganizationName(QStringLiteral("OptiverseTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_follow"));
}

void TestFollow::init()
{
    m_server = std::make_unique<ServerProcess>();
    m_alice = std::make_unique<User>();
    m_bob = std::make_unique<User>();
    QVERIFY(startSessionOfTwo(*m_server, *m_alice, *m_bob));
    QTRY_COMPARE(m_alice->session->client()->users().size(), 2);
    QTRY_COMPARE(m_bob->session->client()->users().size(), 2);
}

void TestFollow::cleanup()
{
    m_alice.reset();
    m_bob.reset();
    m_server.reset();
}

void TestFollow::remoteDragOutlinesTheItemWithTheEditorsName()
{
    const SceneItem l = lens(0);
    QVERIFY(m_alice->scene()->addItem(l, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(m_bob->has(l.uuid));
    QCOMPARE(m_bob->window->editing()->outline(m_alice->id()), nullptr); // nobody edits it yet

    // alice presses on the lens and drags it (the mouse is still down).
    QWidget *viewport = m_alice->window->view()->viewport();
    const QPoint start = m_alice->window->view()->mapFromScene(QPointF(0, 0));
    QTest::mousePress(viewport, Qt::LeftButton, {}, start);
    QTest::mouseMove(viewport, start + QPoint(15, 0));
    QTest::mouseMove(viewport, start + QPoint(30, 0));

    // bob sees the lens outlined in alice's colour with "alice is editing".
    QTRY_VERIFY(m_bob->window->editing()->outline(m_alice->id()));
    QGraphicsPathItem *outline = m_bob->window->editing()->outline(m_alice->id());
    const QColor aliceColor = UserColor::forUser(m_alice->id(), m_bob->session->client()->colorIndexOf(m_alice->id()));
    QCOMPARE(outline->pen().color(), aliceColor);
    QTRY_VERIFY(outline->path().boundingRect().contains(m_bob->scene()->findItem(l.uuid)->sceneBoundingRect()));
    QGraphicsSimpleTextItem *label = m_bob->window->editing()->label(m_alice->id());
    QCOMPARE(label->text(), QStringLiteral("alice is editing"));
    QVERIFY(label->isVisible());
    QCOMPARE(m_bob->window->editing()->editorsOf(l.uuid), QStringList{QStringLiteral("alice")});
    // alice does not see herself as someone else.
    QCOMPARE(m_alice->window->editing()->editorsOf(l.uuid), QStringList());

    // The drag ends: the outline goes.
    QTest::mouseRelease(viewport, Qt::LeftButton, {}, start + QPoint(30, 0));
    QTRY_COMPARE(m_bob->window->editing()->outline(m_alice->id()), nullptr);
    // Where alice dropped it is where bob has it.
    const double dropped = m_alice->scene()->item(l.uuid).data.value(QLatin1String(kXmm)).toDouble();
    QVERIFY(dropped > 0);
    QTRY_COMPARE(m_bob->scene()->item(l.uuid).data.value(QLatin1String(kXmm)).toDouble(), dropped);

    // Dragging again, then leaving mid-drag: the outline goes with alice.
    const QPoint at = m_alice->window->view()->mapFromScene(QPointF(dropped, 0));
    QTest::mousePress(viewport, Qt::LeftButton, {}, at);
    QTest::mouseMove(viewport, at + QPoint(15, 0));
    QTest::mouseMove(viewport, at + QPoint(30, 0));
    QTRY_VERIFY(m_bob->window->editing()->outline(m_alice->id()));
    const QString aliceId = m_alice->id();
    m_alice.reset();
    QTRY_COMPARE(m_bob->window->editing()->outline(aliceId), nullptr);
}

void TestFollow::openPropertiesShowBannerInTheOthersDialog()
{
    const SceneItem l = lens(0);
    QVERIFY(m_alice->scene()->addItem(l, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(m_bob->has(l.uuid));

    // bob opens the lens's properties first: nobody else edits it.
    m_bob->scene()->findItem(l.uuid)->setSelected(true);
    m_bob->window->propertiesAction()->trigger();
    PropertiesDialog *bobDialog = m_bob->window->propertiesDialog();
    QVERIFY(bobDialog);
    QVERIFY(bobDialog->isVisible());
    QCOMPARE(bobDialog->othersEditingText(), QString());
    const int heightAlone = bobDialog->height();

    // alice opens the same item's properties: bob's open dialog says so, alice's too.
    m_alice->scene()->findItem(l.uuid)->setSelected(true);
    m_alice->window->propertiesAction()->trigger();
    PropertiesDialog *aliceDialog = m_alice->window->propertiesDialog();
    QVERIFY(aliceDialog);
    QTRY_COMPARE(bobDialog->othersEditingText(), QStringLiteral("alice is editing this item too"));
    QTRY_COMPARE(aliceDialog->othersEditingText(), QStringLiteral("bob is editing this item too"));
    QVERIFY(bobDialog->height() > heightAlone); // room for the banner, nothing squeezed
    // Not blocking: bob still edits and saves, and it reaches alice.
    auto *focal = qobject_cast<QDoubleSpinBox *>(bobDialog->editor(QStringLiteral("focal_length_mm")));
    QVERIFY(focal);
    focal->setValue(42);
    bobDialog->accept();
    QTRY_COMPARE(m_alice->scene()->item(l.uuid).data.value(QLatin1String("focal_length_mm")).toDouble(), 42.0);
    // bob closed his: alice's banner goes, and bob's window outlines alice's item.
    QTRY_COMPARE(aliceDialog->othersEditingText(), QString());
    QCOMPARE(aliceDialog->height(), heightAlone); // and no gap where it was
    QTRY_VERIFY(m_bob->window->editing()->outline(m_alice->id()));
    aliceDialog->reject();
    QTRY_COMPARE(m_bob->window->editing()->outline(m_alice->id()), nullptr);
}

void TestFollow::followerViewTracksTheLeaderAndPanEndsIt()
{
    // bob follows alice from the user list.
    QAction *follow = m_bob->userAction(m_alice->id(), QStringLiteral("followAction"));
    QVERIFY(follow);
    QCOMPARE(follow->text(), QStringLiteral("Follow"));
    follow->trigger();
    QCOMPARE(m_bob->follow->leader(), m_alice->id());
    ViewIndicator *frame = m_bob->window->navigator()->indicator();
    QVERIFY(frame->isVisible());
    QCOMPARE(frame->text(), QStringLiteral("Following alice — Esc"));
    QCOMPARE(frame->color(), UserColor::forUser(m_alice->id(), m_bob->session->client()->colorIndexOf(m_alice->id())));

    // alice zooms in and moves elsewhere: bob's view follows, aspect kept.
    m_alice->window->navigator()->zoomBy(2.0);
    m_alice->window->navigator()->setVisibleArea(QRectF(300, 200, 80, 50));
    const QRectF aliceArea = m_alice->area();
    QTRY_VERIFY2(sameCentre(m_bob->area(), aliceArea), qPrintable(QStringLiteral("bob %1,%2 alice %3,%4")
        .arg(m_bob->area().center().x()).arg(m_bob->area().center().y()).arg(aliceArea.center().x()).arg(aliceArea.center().y())));
    // The whole of alice's area is visible to bob (his window may show more).
    QTRY_VERIFY(m_bob->area().adjusted(-1, -1, 1, 1).contains(aliceArea));
    QVERIFY(m_bob->follow->leader() == m_alice->id()); // easing is not bob's own pan

    // The user list now offers Stop following.
    QCOMPARE(m_bob->userAction(m_alice->id(), QStringLiteral("followAction"))->text(), QStringLiteral("Stop following"));

    // bob scrolls his view: the follow ends, the frame goes, alice's next move stays hers.
    QScrollBar *bar = m_bob->window->view()->horizontalScrollBar();
    bar->triggerAction(QAbstractSlider::SliderPageStepAdd);
    QTRY_COMPARE(m_bob->follow->leader(), QString());
    QVERIFY(!frame->isVisible());
    const QRectF bobArea = m_bob->area();
    m_alice->window->navigator()->setVisibleArea(QRectF(-300, -200, 80, 50));
    QTRY_VERIFY(sameCentre(m_bob->follow->viewOf(m_alice->id()), m_alice->area()));
    // Checking that nothing happens: longer than a move would take (60 ms ease).
    QTest::qWait(200);
    QVERIFY(sameCentre(m_bob->area(), bobArea));
}

void TestFollow::escapeAndEditingEndAFollow()
{
    QVERIFY(m_bob->follow->follow(m_alice->id()));
    m_bob->window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_bob->window.get()));
    QTest::keyClick(m_bob->window->view()->viewport(), Qt::Key_Escape);
    QCOMPARE(m_bob->follow->leader(), QString());
    QVERIFY(!m_bob->window->navigator()->indicator()->isVisible());

    QVERIFY(m_bob->follow->follow(m_alice->id()));
    QVERIFY(m_bob->window->navigator()->indicator()->isVisible());
    // An edit of bob's own (here: inserting an item) ends it.
    m_bob->window->insertAction(QStringLiteral("mirror"))->trigger();
    QCOMPARE(m_bob->follow->leader(), QString());
    // A remote edit does not.
    QVERIFY(m_bob->follow->follow(m_alice->id()));
    QVERIFY(m_alice->scene()->addItem(lens(5), ChangeOrigin::Local, nullptr));
    QTRY_COMPARE(m_bob->scene()->items().size(), 2);
    QCOMPARE(m_bob->follow->leader(), m_alice->id());
}

void TestFollow::jumpToMovesOnce()
{
    m_alice->window->navigator()->setVisibleArea(QRectF(500, 500, 100, 60));
    const QRectF target = m_alice->area();
    QTRY_VERIFY(sameCentre(m_bob->follow->viewOf(m_alice->id()), target));
    QAction *jump = m_bob->userAction(m_alice->id(), QStringLiteral("jumpToAction"));
    QVERIFY(jump);
    QVERIFY(jump->isEnabled());
    jump->trigger();
    QTRY_VERIFY(sameCentre(m_bob->area(), target));
    QCOMPARE(m_bob->follow->leader(), QString()); // one-shot: not following
    QVERIFY(!m_bob->window->navigator()->indicator()->isVisible());
    const QRectF bobArea = m_bob->area();
    m_alice->window->navigator()->setVisibleArea(QRectF(-500, -500, 100, 60));
    QTRY_VERIFY(sameCentre(m_bob->follow->viewOf(m_alice->id()), m_alice->area()));
    // Checking that nothing happens: longer than a move would take (60 ms ease).
    QTest::qWait(200);
    QVERIFY(sameCentre(m_bob->area(), bobArea));
}

void TestFollow::noMutualFollowLoop()
{
    QVERIFY(m_alice->follow->follow(m_bob->id()));
    // bob sees that alice follows him before he follows her.
    QTRY_COMPARE(m_bob->follow->followedBy(m_alice->id()), m_bob->id());
    QVERIFY(m_bob->follow->follow(m_alice->id()));
    // The newer follow wins: alice's ends, with a notice saying why.
    QTRY_COMPARE(m_alice->follow->leader(), QString());
    QCOMPARE(m_bob->follow->leader(), m_alice->id());
    QCOMPARE(m_alice->notice(), QStringLiteral("bob follows you now: you stopped following bob."));
    QVERIFY(!m_alice->window->navigator()->indicator()->isVisible());
    // And bob keeps following alice's view.
    m_alice->window->navigator()->setVisibleArea(QRectF(100, -300, 90, 60));
    QTRY_VERIFY(sameCentre(m_bob->area(), m_alice->area()));
}

void TestFollow::leaderLeavingEndsTheFollow()
{
    QVERIFY(m_bob->follow->follow(m_alice->id()));
    m_alice.reset();
    QTRY_COMPARE(m_bob->follow->leader(), QString());
    QCOMPARE(m_bob->notice(), QStringLiteral("alice left: no longer following."));
    QVERIFY(!m_bob->window->navigator()->indicator()->isVisible());
}

void TestFollow::showOnAnOverwriteNoticeRevealsTheItem()
{
    SceneItem far = lens(700);
    far.data.insert(QStringLiteral("focal_length_mm"), 100.0);
    QVERIFY(m_bob->scene()->addItem(far, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(m_alice->has(far.uuid));
    QVERIFY(m_alice->scene()->updateItem(far.uuid, {{QStringLiteral("focal_length_mm"), 50.0}}, ChangeOrigin::Local, nullptr));
    QTRY_COMPARE(m_bob->scene()->item(far.uuid).data.value(QLatin1String("focal_length_mm")).toDouble(), 50.0);
    QVERIFY(m_bob->scene()->updateItem(far.uuid, {{QStringLiteral("focal_length_mm"), 75.0}}, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(m_alice->notice().contains(QStringLiteral("bob changed")));
    QToolButton *show = nullptr;
    for (QToolButton *b : m_alice->window->statusBar()->findChildren<QToolButton *>())
        if (b->text() == QStringLiteral("Show") && !b->isHidden())
            show = b;
    QVERIFY(show);
    QVERIFY(!m_alice->area().contains(QPointF(700, 0)));
    show->click();
    QTRY_VERIFY(m_alice->area().contains(QPointF(700, 0)));
    QCOMPARE(m_alice->scene()->selectedUuids(), QList<QUuid>{far.uuid});
}

QTEST_MAIN(TestFollow)
#include "tst_follow.moc"
