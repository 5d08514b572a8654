// SPDX-License-Identifier: MIT
#include "NoticeWidget.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>

#include <utility>

namespace Optiverse::Collab {

NoticeWidget::NoticeWidget(QWidget *parent)
    : QFrame(parent)
    , m_label(new QLabel(this))
    , m_more(new QLabel(this))
    , m_actions(new QHBoxLayout)
    , m_close(new QToolButton(this))
{
    setObjectName(QStringLiteral("CollaborationNotice"));
    setFrameShape(QFrame::StyledPanel);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 0, 2, 0);
    layout->setSpacing(4);
    m_label->setTextFormat(Qt::PlainText);
    m_label->setObjectName(QStringLiteral("noticeText"));
    m_more->setObjectName(QStringLiteral("noticeMore"));
    m_close->setText(QStringLiteral("×"));
    m_close->setAutoRaise(true);
    m_close->setToolTip(tr("Dismiss"));
    m_close->setAccessibleName(tr("Dismiss notice"));
    layout->addWidget(m_label, 1);
    layout->addWidget(m_more);
    layout->addLayout(m_actions);
    layout->addWidget(m_close);
    connect(m_close, &QToolButton::clicked, this, &NoticeWidget::dismiss);
    m_timer.setSingleShot(true);
    m_timer.setInterval(15000);
    connect(&m_timer, &QTimer::timeout, this, &NoticeWidget::dismiss);
    hide();
}

QString NoticeWidget::text() const
{
    return isHidden() ? QString() : m_label->text();
}

void NoticeWidget::showNotice(const QString &text, const QList<Action> &actions)
{
    if (!isHidden() && !m_label->text().isEmpty())
        m_earlier.prepend(m_label->text());
    for (QToolButton *b : std::exchange(m_buttons, {}))
        b->deleteLater(); // may be the button being clicked
    m_label->setText(text);
    for (const Action &a : actions) {
        auto *button = new QToolButton(this);
        button->setText(a.text);
        m_actions->addWidget(button);
        m_buttons.append(button);
        const std::function<void()> run = a.run;
        connect(button, &QToolButton::clicked, this, [this, run] {
            dismiss(); // first: the action may show the next notice
            if (run)
                run();
        });
    }
    m_more->setVisible(!m_earlier.isEmpty());
    m_more->setText(tr("+%n more", nullptr, int(m_earlier.size())));
    m_more->setToolTip(m_earlier.join(QLatin1Char('\n')));
    setToolTip(text);
    setAccessibleName(text);
    show();
    m_timer.start();
}

void NoticeWidget::dismiss()
{
    m_timer.stop();
    for (QToolButton *b : std::exchange(m_buttons, {})) {
        b->hide();
        b->deleteLater(); // may be the button being clicked
    }
    m_earlier.clear();
    m_label->clear();
    hide();
}

} // namespace Optiverse::Collab
