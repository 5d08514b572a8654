// SPDX-License-Identifier: MIT
// The History panel as a user meets it: two host-stub windows with
// the plugin's session (linked statically), in a session on the real
// optiverse-collab-server; alice opens Session History. Entries in words,
// filters, differences from now, outlines, Restore for everyone, and Play
// (replays into alice's window only, then back to the live scene).
#include "CollaborationSession.h"
#include "HistoryPanel.h"
#include "HistoryPlayback.h"
#include "HostMainWindow.h"
#include "HostScene.h"
#include "HostUser.h"
#include "OpticalItem.h"
#include "PresenceOverlay.h"
#include "ServerProcess.h"

#include <QApplication>
#include <QComboBox>
#include <QInputDialog>
#include <QGraphicsPathItem>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>

#include <memory>

using namespace Optiverse;
using namespace Optiverse::Collab;

namespace {

const QString kFocal = QStringLiteral("focal_length_mm");

using User = HostUser;

} // namespace

class TestHistoryPanel : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void entriesInWordsAndFilters();
    void selectionOutlinesAndShowsDifferences();
    void restoreIsForEveryone();
    void playReplaysAndReturnsToLive();
    void stopReturnsToLiveMidway();
    void pauseHoldsAndTheSliderShowsAnyChange();
    void olderChangesOnRequest();
    void anEditOverAnothersJustBeforeIsMarked();
    void saysWhatItShows();
    void revertSaysWhatItLeftOutInWords();

private:
    /// Entries' texts, in the tree's order (newest first).
    QStringList entries() const;
    QTreeWidgetItem *entry(const QString &startsWith) const;
    /// Selects the entry starting with @p startsWith as a click does.
    void select(const QString &startsWith) const
    {
        QTreeWidgetItem *e = entry(startsWith);
        QVERIFY2(e, qPrintable(startsWith));
        child<QTreeWidget>("HistoryTree")->setCurrentItem(e);
    }
    /// alice adds a lens (100 mm) and a mirror, bob sets the lens to 75 mm, alice removes the mirror.
    void makeHistory();
    template<typename T>
    T *child(const char *name) const { return m_panel->findChild<T *>(QLatin1String(name)); }

    QTemporaryDir m_config;
    std::unique_ptr<ServerProcess> m_server;
    std::unique_ptr<User> m_alice, m_bob;
    HistoryPanel *m_panel = nullptr; // owned by alice's window
    HistoryPlayback *m_playback = nullptr;
    SceneItem m_lens, m_mirror;
};

void TestHistoryPanel::initTestCase()
{
    QVERIFY(m_config.isValid());
    qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8());
    qputenv("OPTIVERSE_DISCOVERY_INTERFACES", "lo"); // the server announces on loopback only
}

void TestHistoryPanel::init()
{
    m_server = std::make_unique<ServerProcess>();
    m_alice = std::make_unique<User>();
    m_bob = std::make_unique<User>();
    QVERIFY(startSessionOfTwo(*m_server, *m_alice, *m_bob));
    // As CollaborationPlugin::openHistory() wires it.
    HostMainWindow *w = m_alice->window.get();
    m_panel = new HistoryPanel(m_alice->session->client(), w);
    m_playback = new HistoryPlayback(m_alice->session->client(), m_alice->session->sync(), m_alice->scene(),
                                     m_alice->scene(), HistoryPlayback::mainWindowLock(w), m_panel);
    m_panel->attach(m_alice->scene(), w->presence(), m_playback);
    w->addDockWidget(Qt::RightDockWidgetArea, m_panel);
    w->show();
    makeHistory();
}

void TestHistoryPanel::cleanup()
{
    m_alice.reset(); // deletes the panel
    m_bob.reset();
    m_server.reset();
}

void TestHistoryPanel::makeHistory()
{
    m_lens = sceneItem(QStringLiteral("lens"), 10, {{kFocal, 100.0}});
    m_mirror = sceneItem(QStringLiteral("mirror"), 50);
    QVERIFY(m_alice->scene()->addItem(m_lens, ChangeOrigin::Local, nullptr));
    QVERIFY(m_alice->scene()->addItem(m_mirror, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(m_bob->has(m_mirror.uuid));
    QVERIFY(m_bob->scene()->updateItem(m_lens.uuid, {{kFocal, 75.0}}, ChangeOrigin::Local, nullptr));
    QTRY_COMPARE(m_alice->focal(m_lens.uuid), 75.0);
    QVERIFY(m_alice->scene()->removeItem(m_mirror.uuid, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(!m_bob->has(m_mirror.uuid));
    m_panel->refresh();
    QTRY_COMPARE(entries().size(), 4);
}

QStringList TestHistoryPanel::entries() const
{
    QStringList out;
    const QTreeWidget *tree = child<QTreeWidget>("HistoryTree");
    for (int d = 0; d < tree->topLevelItemCount(); ++d)
        for (int i = 0; i < tree->topLevelItem(d)->childCount(); ++i)
            out.append(tree->topLevelItem(d)->child(i)->text(0));
    return out;
}

QTreeWidgetItem *TestHistoryPanel::entry(const QString &startsWith) const
{
    const QTreeWidget *tree = child<QTreeWidget>("HistoryTree");
    for (int d = 0; d < tree->topLevelItemCount(); ++d)
        for (int i = 0; i < tree->topLevelItem(d)->childCount(); ++i)
            if (tree->topLevelItem(d)->child(i)->text(0).startsWith(startsWith))
                return tree->topLevelItem(d)->child(i);
    return nullptr;
}

void TestHistoryPanel::entriesInWordsAndFilters()
{
    QCOMPARE(entries(), (QStringList{QStringLiteral("alice removed Mirror 1"),
                                     QStringLiteral("bob changed Lens 1: focal length 100 mm → 75 mm"),
                                     QStringLiteral("alice added Mirror 1"), QStringLiteral("alice added Lens 1")}));
    // A second lens is "Lens 2".
    QVERIFY(m_bob->scene()->addItem(sceneItem(QStringLiteral("lens"), 80), ChangeOrigin::Local, nullptr));
    m_panel->refresh();
    QTRY_COMPARE(entries().value(0), QStringLiteral("bob added Lens 2"));

    auto *users = child<QComboBox>("HistoryUserFilter");
    users->setCurrentIndex(users->findData(QStringLiteral("bob")));
    QCOMPARE(entries(), (QStringList{QStringLiteral("bob added Lens 2"),
                                     QStringLiteral("bob changed Lens 1: focal length 100 mm → 75 mm")}));
    users->setCurrentIndex(0); // Everyone
    child<QLineEdit>("HistoryItemFilter")->setText(QStringLiteral("mirror"));
    QCOMPARE(entries(), (QStringList{QStringLiteral("alice removed Mirror 1"), QStringLiteral("alice added Mirror 1")}));
    child<QLineEdit>("HistoryItemFilter")->clear();
    QCOMPARE(entries().size(), 5);
}

void TestHistoryPanel::selectionOutlinesAndShowsDifferences()
{
    // The version right after the lens was added: since then, its focal length changed.
    select(QStringLiteral("alice added Lens 1"));
    auto *difference = child<QLabel>("HistoryDifference");
    QTRY_COMPARE(difference->text(), QStringLiteral("Now, compared with this version:\nLens 1: focal length 100 mm → 75 mm"));
    QGraphicsPathItem *outline = m_alice->window->presence()->remoteSelectionOutline(HistoryPanel::highlightKey());
    QVERIFY(outline && outline->isVisible());
    const QRectF lensArea = m_alice->scene()->findItem(m_lens.uuid)->sceneBoundingRect();
    QVERIFY(outline->sceneBoundingRect().intersects(lensArea));

    // After the mirror was added: the mirror has gone since.
    child<QTreeWidget>("HistoryTree")->clearSelection();
    QVERIFY(!m_alice->window->presence()->remoteSelectionOutline(HistoryPanel::highlightKey()));
    select(QStringLiteral("alice added Mirror 1"));
    QTRY_COMPARE(difference->text(), QStringLiteral("Now, compared with this version:\nMirror 1 removed since\n"
                                                    "Lens 1: focal length 100 mm → 75 mm"));
    // The newest version is now.
    select(QStringLiteral("alice removed Mirror 1"));
    QTRY_COMPARE(difference->text(), QStringLiteral("This version is the scene as it is now."));
}

void TestHistoryPanel::restoreIsForEveryone()
{
    // alice names the version with the mirror and the 100 mm lens (Name
    // this version…, a dialog)…
    select(QStringLiteral("alice added Mirror 1"));
    QTimer::singleShot(0, this, [] {
        auto *dialog = qobject_cast<QInputDialog *>(QApplication::activeModalWidget());
        QVERIFY(dialog);
        QCOMPARE(dialog->windowTitle(), QStringLiteral("Name this version"));
        dialog->setTextValue(QStringLiteral("with mirror"));
        dialog->accept();
    });
    child<QPushButton>("HistoryNameButton")->click();
    QTRY_VERIFY(entries().contains(QStringLiteral("★ with mirror — alice added Mirror 1")));
    // …and goes back to it, for alice and bob.
    select(QStringLiteral("★ with mirror"));
    child<QPushButton>("HistoryRestoreButton")->click();
    QTRY_VERIFY(m_bob->has(m_mirror.uuid));
    QTRY_COMPARE(m_bob->focal(m_lens.uuid), 100.0);
    QTRY_COMPARE(m_alice->items(), m_bob->items());
    QTRY_VERIFY(child<QLabel>("HistoryStatus")->text().startsWith(QLatin1String("Done: 2 ")));
    QTRY_COMPARE(entries().value(0), QStringLiteral("alice restored the version “with mirror”"));
}

void TestHistoryPanel::playReplaysAndReturnsToLive()
{
    // Play from the start at 1×: alice's window shows each past version in
    // turn, locked for edits; a live change of bob's meanwhile stays out of
    // the replay, and is there when it returns to the live scene.
    QList<int> shownCounts;
    QList<double> shownFocal;
    bool lockedWhilePlaying = true;
    QSignalSpy live(m_alice->session->sync(), &SyncManager::remoteCommandApplied);
    const SceneItem prism = sceneItem(QStringLiteral("prism"), 120);
    connect(m_playback, &HistoryPlayback::progressed, this, [&](qint64, int played, int) {
        shownCounts.append(int(m_alice->scene()->items().size()));
        shownFocal.append(m_alice->focal(m_lens.uuid));
        lockedWhilePlaying = lockedWhilePlaying && !m_alice->window->centralWidget()->isEnabled();
        if (played == 1)
            m_bob->scene()->addItem(prism, ChangeOrigin::Local, nullptr);
    });
    child<QTreeWidget>("HistoryTree")->clearSelection();
    child<QComboBox>("HistoryPlaySpeed")->setCurrentIndex(0); // 1×
    child<QPushButton>("HistoryPlayButton")->click();
    QTRY_COMPARE(m_playback->state(), HistoryPlayback::State::Playing);
    QTRY_VERIFY(!live.isEmpty()); // bob's prism reached alice's session…
    QCOMPARE(m_playback->state(), HistoryPlayback::State::Playing);
    QVERIFY(!m_alice->has(prism.uuid)); // …but not the replay
    QTRY_COMPARE_WITH_TIMEOUT(m_playback->state(), HistoryPlayback::State::Idle, 20000);
    // The start (empty), +lens, +mirror, 75 mm, -mirror.
    QCOMPARE(shownCounts, (QList<int>{0, 1, 2, 2, 1}));
    QCOMPARE(shownFocal, (QList<double>{-1, 100, 100, 75, 75}));
    QVERIFY(lockedWhilePlaying);
    QVERIFY(m_alice->window->centralWidget()->isEnabled());
    // Back to live: the same scene as bob's, prism included.
    QVERIFY(m_alice->has(prism.uuid));
    QCOMPARE(m_alice->items(), m_bob->items());
    QCOMPARE(child<QLabel>("HistoryPlayStatus")->text(), QStringLiteral("Live"));
    // The replay sent nothing: the session's history has only bob's prism more.
    m_panel->refresh();
    QTRY_COMPARE(entries().size(), 5);
    QCOMPARE(entries().value(0), QStringLiteral("bob added Prism 1"));
}

void TestHistoryPanel::stopReturnsToLiveMidway()
{
    // From the version before bob's change, at 16×; Stop right after bob's 75 mm.
    select(QStringLiteral("bob changed Lens 1"));
    QList<double> shownFocal;
    QList<bool> shownMirror;
    connect(m_playback, &HistoryPlayback::progressed, this, [&](qint64, int played, int) {
        shownFocal.append(m_alice->focal(m_lens.uuid));
        shownMirror.append(m_alice->has(m_mirror.uuid));
        if (played == 1)
            child<QPushButton>("HistoryStopButton")->click();
    });
    child<QComboBox>("HistoryPlaySpeed")->setCurrentIndex(2); // 16×
    child<QPushButton>("HistoryPlayButton")->click();
    QSignalSpy states(m_playback, &HistoryPlayback::stateChanged);
    QTRY_COMPARE(m_playback->state(), HistoryPlayback::State::Idle);
    QTRY_COMPARE(states.size(), 3);
    QCOMPARE(states.at(1).at(0).value<HistoryPlayback::State>(), HistoryPlayback::State::Returning);
    QCOMPARE(shownFocal, (QList<double>{100, 75})); // nothing played after Stop
    QCOMPARE(shownMirror, (QList<bool>{true, true}));
    QVERIFY(!m_alice->has(m_mirror.uuid)); // live again
    QCOMPARE(m_alice->items(), m_bob->items());
    QVERIFY(m_alice->window->centralWidget()->isEnabled());
}

void TestHistoryPanel::pauseHoldsAndTheSliderShowsAnyChange()
{
    // Pause on the first change, look at others with the slider (drag and
    // arrow keys), back and forth, then Resume to the end and the live scene.
    child<QTreeWidget>("HistoryTree")->clearSelection();
    child<QComboBox>("HistoryPlaySpeed")->setCurrentIndex(0); // 1×: at most 1 s between changes
    auto *pause = child<QPushButton>("HistoryPauseButton");
    auto *position = child<QSlider>("HistoryPlayPosition");
    auto *status = child<QLabel>("HistoryPlayStatus");
    QVERIFY(!pause->isEnabled());
    QVERIFY(!position->isEnabled());
    const auto pauseOnFirst = connect(m_playback, &HistoryPlayback::progressed, this, [&](qint64, int played, int) {
        if (played == 1)
            pause->click();
    });
    child<QPushButton>("HistoryPlayButton")->click();
    QTRY_COMPARE(m_playback->state(), HistoryPlayback::State::Paused);
    disconnect(pauseOnFirst);
    QCOMPARE(pause->text(), QStringLiteral("▶ Resume"));
    QVERIFY(status->text().startsWith(QLatin1String("Paused: change 1 of 4")));
    QVERIFY2(status->text().endsWith(QLatin1String(", alice added Lens 1")), qPrintable(status->text()));
    QCOMPARE(m_alice->scene()->items().size(), 1); // the lens, as alice added it
    QCOMPARE(m_alice->focal(m_lens.uuid), 100.0);
    QVERIFY(!m_alice->window->centralWidget()->isEnabled()); // still locked for edits

    // Paused means paused: at 1× the next change is due within a second.
    QSignalSpy progressed(m_playback, &HistoryPlayback::progressed);
    QVERIFY(!progressed.wait(1500));
    QCOMPARE(m_alice->scene()->items().size(), 1);

    position->setValue(3); // dragged to bob's 75 mm
    QCOMPARE(m_alice->scene()->items().size(), 2);
    QCOMPARE(m_alice->focal(m_lens.uuid), 75.0);
    QVERIFY(status->text().startsWith(QLatin1String("Paused: change 3 of 4")));
    QVERIFY2(!status->text().contains(QLatin1String("seq")), qPrintable(status->text())); // words, not server numbers
    position->setValue(0); // back to the start: the empty table
    QCOMPARE(m_alice->scene()->items().size(), 0);
    position->setFocus();
    QTest::keyClick(position, Qt::Key_Right); // one change on: the lens again
    QCOMPARE(position->value(), 1);
    QCOMPARE(m_alice->scene()->items().size(), 1);
    QCOMPARE(m_alice->focal(m_lens.uuid), 100.0);
    QVERIFY(!m_alice->has(m_mirror.uuid));

    pause->click(); // Resume: on from change 1 to the end, then live
    QCOMPARE(m_playback->state(), HistoryPlayback::State::Playing);
    QTRY_COMPARE_WITH_TIMEOUT(m_playback->state(), HistoryPlayback::State::Idle, 20000);
    QCOMPARE(progressed.size(), 3 + 3); // three seeks, then changes 2, 3 and 4
    QCOMPARE(m_alice->items(), m_bob->items());
    QVERIFY(m_alice->window->centralWidget()->isEnabled());
    QVERIFY(!position->isEnabled());
    QCOMPARE(status->text(), QStringLiteral("Live"));
}

void TestHistoryPanel::olderChangesOnRequest()
{
    // Pages of two: the newest two, then the two before on request; a new
    // change later comes on top without losing them.
    auto *paged = new HistoryPanel(m_alice->session->client(), m_alice->window.get()); // owned by the window
    paged->setPageSize(2);
    m_alice->window->addDockWidget(Qt::LeftDockWidgetArea, paged);
    m_panel = paged; // what child() and entries() look at
    m_panel->refresh();
    auto *older = child<QPushButton>("HistoryOlderButton");
    QTRY_COMPARE(entries(), (QStringList{QStringLiteral("alice removed Mirror 1"),
                                         QStringLiteral("bob changed Lens 1: focal length 100 mm → 75 mm")}));
    QVERIFY(!older->isHidden());
    older->click();
    QTRY_COMPARE(entries().size(), 4);
    QCOMPARE(entries().value(3), QStringLiteral("alice added Lens 1"));
    QVERIFY(older->isHidden()); // nothing older
    const SceneItem prism = sceneItem(QStringLiteral("prism"), 120);
    QSignalSpy applied(m_alice->session->sync(), &SyncManager::remoteCommandApplied);
    QVERIFY(m_bob->scene()->addItem(prism, ChangeOrigin::Local, nullptr));
    QVERIFY(applied.wait());
    m_panel->refresh();
    QTRY_COMPARE(entries().size(), 5);
    QCOMPARE(entries().value(0), QStringLiteral("bob added Prism 1"));
    QCOMPARE(entries().value(4), QStringLiteral("alice added Lens 1"));
    QVERIFY(older->isHidden());
}

void TestHistoryPanel::anEditOverAnothersJustBeforeIsMarked()
{
    // bob's 75 mm a moment ago, then alice's 80 mm over it: her entry says so.
    QVERIFY(m_alice->scene()->updateItem(m_lens.uuid, {{kFocal, 80.0}}, ChangeOrigin::Local, nullptr));
    QTRY_COMPARE(m_bob->focal(m_lens.uuid), 80.0);
    m_panel->refresh();
    QTRY_COMPARE(entries().value(0),
                 QStringLiteral("alice changed Lens 1: focal length 75 mm → 80 mm — over bob's change just before"));
    // bob's own change of it was over alice's add: a start, not an edit of hers.
    QCOMPARE(entries().value(2), QStringLiteral("bob changed Lens 1: focal length 100 mm → 75 mm"));
    // A narrow dock elides the words' end: a warning icon marks it at the start.
    QVERIFY(!entry(QStringLiteral("alice changed Lens 1: focal length 75"))->icon(0).isNull());
    QVERIFY(entry(QStringLiteral("bob changed Lens 1"))->icon(0).isNull());
}

void TestHistoryPanel::revertSaysWhatItLeftOutInWords()
{
    // alice moves the lens, bob moves it after her; alice reverts her move:
    // bob's position stays, and the panel says so in words.
    QVERIFY(m_alice->scene()->moveItem(m_lens.uuid, 30, 0, 0, ChangeOrigin::Local, nullptr));
    QTRY_COMPARE(m_bob->number(m_lens.uuid, QStringLiteral("x_mm")), 30.0);
    QVERIFY(m_bob->scene()->moveItem(m_lens.uuid, 55, 0, 0, ChangeOrigin::Local, nullptr));
    QTRY_COMPARE(m_alice->number(m_lens.uuid, QStringLiteral("x_mm")), 55.0);
    m_panel->refresh();
    QTRY_VERIFY(entry(QStringLiteral("alice moved Lens 1")));
    select(QStringLiteral("alice moved Lens 1"));
    child<QPushButton>("HistoryRevertButton")->click();
    QTRY_VERIFY(child<QLabel>("HistoryStatus")->text().startsWith(QLatin1String("Done")));
    QCOMPARE(child<QLabel>("HistoryStatus")->text(), QStringLiteral("Done; left out: position of Lens 1 (bob changed it since)"));
    QCOMPARE(m_alice->number(m_lens.uuid, QStringLiteral("x_mm")), 55.0);
}

void TestHistoryPanel::saysWhatItShows()
{
    // carol opens Session History before she ever connected.
    User carol;
    carol.session = std::make_unique<CollaborationSession>(carol.scene());
    carol.session->sync()->setSceneKeys(carol.scene());
    CollabClient *client = carol.session->client();
    m_panel = new HistoryPanel(client, carol.window.get()); // owned by the window
    auto *playback = new HistoryPlayback(client, carol.session->sync(), carol.scene(), carol.scene(),
                                         HistoryPlayback::mainWindowLock(carol.window.get()), m_panel);
    m_panel->attach(carol.scene(), carol.window->presence(), playback);
    carol.window->addDockWidget(Qt::RightDockWidgetArea, m_panel);
    carol.window->show();
    auto *state = child<QLabel>("HistoryConnectionState");
    auto *play = child<QPushButton>("HistoryPlayButton");
    auto *restore = child<QPushButton>("HistoryRestoreButton");
    const QString playTip = QStringLiteral("Replays the session in your window from the selected change (from the "
                                           "start when none is selected), then returns to the live scene. Nobody else sees it.");

    // Never connected: an empty list that says why, and Play says why it cannot.
    QCOMPARE(state->text(), QStringLiteral("Connect to see the session's history."));
    QVERIFY(state->isVisible());
    QCOMPARE(child<QTreeWidget>("HistoryTree")->topLevelItemCount(), 0);
    QVERIFY(!play->isEnabled());
    QCOMPARE(play->toolTip(), QStringLiteral("Needs the server: connect to a session first."));
    QVERIFY(!restore->isEnabled());
    QCOMPARE(child<QLabel>("HistoryPlayStatus")->text(), QString());

    // Connected: live, Play works.
    QSignalSpy synced(carol.session->sync(), &SyncManager::synchronized);
    const QTime joining = QTime::currentTime();
    carol.session->join(m_server->url(), QStringLiteral("lab"), QStringLiteral("carol"),
                        SyncManager::JoinMode::ReplaceLocalScene);
    QVERIFY(synced.wait(10000));
    QTRY_COMPARE(entries().size(), 4);
    const QTime pageArrived = QTime::currentTime();
    QCOMPARE(state->text(), QStringLiteral("Live (connected)"));
    QVERIFY(play->isEnabled());
    QCOMPARE(play->toolTip(), playTip);
    QCOMPARE(child<QLabel>("HistoryPlayStatus")->text(), QStringLiteral("Live"));
    select(QStringLiteral("alice added Lens 1"));
    QVERIFY(restore->isEnabled());

    // Disconnected: the list stays, saying as of when, and what needs the server is off.
    const QTime before = QTime::currentTime();
    carol.session->leave();
    QTRY_COMPARE(client->state(), CollabClient::State::Disconnected);
    // The time of the last page it has: between joining and leaving.
    QStringList allowed;
    for (const QTime &t : {joining, pageArrived, before})
        allowed.append(t.toString(QStringLiteral("HH:mm")));
    QVERIFY2(state->text().startsWith(QLatin1String("As of ")) && state->text().endsWith(QLatin1String(" (not connected)")),
             qPrintable(state->text()));
    QVERIFY2(allowed.contains(state->text().mid(6, 5)), qPrintable(state->text()));
    QCOMPARE(entries().size(), 4);
    QVERIFY(!play->isEnabled());
    QCOMPARE(play->toolTip(), QStringLiteral("Needs the server: this window is not connected to the session."));
    QVERIFY(!restore->isEnabled());
    QCOMPARE(restore->toolTip(), play->toolTip());
    QCOMPARE(child<QLabel>("HistoryPlayStatus")->text(), QString());

    // Connected again: live and working again.
    synced.clear();
    carol.session->join(m_server->url(), QStringLiteral("lab"), QStringLiteral("carol"),
                        SyncManager::JoinMode::ReplaceLocalScene);
    QVERIFY(synced.wait(10000));
    QTRY_COMPARE(state->text(), QStringLiteral("Live (connected)"));
    QTRY_COMPARE(entries().size(), 4);
    QVERIFY(play->isEnabled());
    QCOMPARE(play->toolTip(), playTip);
    m_panel = nullptr; // carol's window, and it, go first
}

QTEST_MAIN(TestHistoryPanel)
#include "tst_history_panel.moc"
